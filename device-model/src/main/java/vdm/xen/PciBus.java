package vdm.xen;

import java.util.List;
import vdm.pci.Sbdf;

/** What Xen sees of the host's PCI functions: their config space by SBDF, as the physical config mechanism reaches it. */
public interface PciBus {
    /** The function at a packed SBDF, or null if none answers there. O(1): the trapped-access path calls it. */
    PciHardware function(int packedSbdf);

    /** Every function present, in SBDF order. */
    List<Sbdf> functions();
}
