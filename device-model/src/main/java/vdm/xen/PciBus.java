package vdm.xen;

import java.util.List;
import vdm.pci.Sbdf;

/** What Xen sees of the host's PCI functions: their config space by SBDF, as the physical config mechanism reaches it. */
public interface PciBus {
    /** The function at a packed SBDF, or null if none answers there. O(1): the trapped-access path calls it. */
    PciHardware function(int packedSbdf);

    /** Every function present, in SBDF order. */
    List<Sbdf> functions();

    /**
     * A memory read at machine address {@code address} (size 1, 2, 4 or 8) as the host's bus answers it: the BAR
     * that decodes it, else all ones. A bus with no memory space (a test bus) answers all ones.
     */
    default long mmioRead(long address, int size) {
        return size == 8 ? -1L : -1L >>> (64 - 8 * size);
    }

    /** A memory write at machine address {@code address}; dropped where nothing decodes it. */
    default void mmioWrite(long address, int size, long value) {
    }
}
