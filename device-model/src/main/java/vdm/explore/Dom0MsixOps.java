package vdm.explore;

import java.util.List;
import java.util.Optional;
import vdm.host.Bridge;
import vdm.host.PhysicalFunction;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.pci.cap.PciExpress;
import vdm.pci.layout.Layout;
import vdm.xen.Vcpu;
import vdm.xen.Xen;

/**
 * dom0's side of a device's MSI-X on a PVH dom0 ({@link Op#SLOT_REPLUG}, {@link Op#DOM0_MSIX_ENABLE}): the device
 * hot-plugged back into its slot, and dom0's driver enabling MSI-X through vPCI.
 */
final class Dom0MsixOps {
    static final int ENABLE = 0x8000, MASKALL = 0x4000;
    /** PCIe capability: Slot Implemented in PCI Express Capabilities, Hot-Plug Capable in Slot Capabilities. */
    private static final int PCIE_FLAGS_SLOT = 0x100, SLTCAP_HPC = 0x40;
    /** The vector dom0's driver gives entry 0 (any free vector of dom0's vCPU 0). */
    static final int DOM0_VECTOR = 0x41;

    private Dom0MsixOps() {}

    /** The function sits behind a hot-plug capable slot: its bridge's PCIe capability implements a slot with HPC set. */
    static boolean inHotplugSlot(Run r) {
        Optional<Bridge> up = r.vdm().host().require(r.device()).upstream();
        if (up.isEmpty()) return false;
        PhysicalFunction port = up.get().function();
        for (Layout.PlacedCapability c : port.layout().capabilities()) {
            if (!(c.capability() instanceof PciExpress)) continue;
            return (port.read(c.offset() + 2, 2) & PCIE_FLAGS_SLOT) != 0 && (port.read(c.offset() + 0x14, 4) & SLTCAP_HPC) != 0;
        }
        return false;
    }

    private static int position(Run r, int id) {
        for (Layout.PlacedCapability c : r.vdm().host().require(r.device()).layout().capabilities()) {
            if (!c.extended() && c.id() == id) return c.offset();
        }
        return 0;
    }

    /** Message Control's MSI-X Enable as dom0 reads it (through vPCI). */
    static boolean msixEnabled(Run r) {
        int pos = position(r, MsiX.ID);
        return pos != 0 && (r.kernel().cfgRead(r.device(), pos + 2, 2) & ENABLE) != 0;
    }

    /** MSI's Enable as dom0 reads it: Linux refuses MSI-X on a device with MSI on (-EINVAL). */
    static boolean msiEnabled(Run r) {
        int pos = position(r, Msi.ID);
        return pos != 0 && (r.kernel().cfgRead(r.device(), pos + 2, 2) & 1) != 0;
    }

    static boolean hasMsix(Run r) {
        return position(r, MsiX.ID) != 0;
    }

    /**
     * msix_capability_init for one vector, as Linux runs it on a PVH dom0 (native MSI, trapped by vPCI): Enable with
     * the function masked, entry 0 given the local APIC's address and the vector, unmasked, the function unmasked.
     * Linux found the capability when it scanned the function (pci_msi_init from pci_device_add, before its bus
     * notifier told Xen of the device), so it uses the capability's place in the hardware whatever vPCI shows later,
     * and writes the table where the BAR's resource puts it. The device must then have MSI-X enabled: if vPCI hid the
     * capability, Message Control is read-only there, the Enable write is dropped and no vector reaches dom0.
     */
    static List<Failure> enable(Run r) {
        int pos = position(r, MsiX.ID);
        MsiX x = MsiOps.hostMsix(r);
        PhysicalFunction f = r.vdm().host().require(r.device());
        Xen xen = r.vdm().xen();
        Vcpu v = r.vdm().dom0().vcpu(0);
        r.kernel().cfgWrite(r.device(), pos + 2, 2, ENABLE | MASKALL);
        long entry = f.barAddress(x.tableBir()) + x.tableOffset(); // dom0's addresses are the host's
        xen.mmioWrite(v, entry, 4, 0xfee0_0000L); // destination: APIC id 0
        xen.mmioWrite(v, entry + 4, 4, 0);
        xen.mmioWrite(v, entry + 8, 4, DOM0_VECTOR);
        xen.mmioWrite(v, entry + 12, 4, 0); // unmasked
        r.kernel().cfgWrite(r.device(), pos + 2, 2, ENABLE);
        int control = f.read(pos + 2, 2);
        if ((control & ENABLE) != 0) return List.of();
        return List.of(Failure.diverged("dom0's MSI-X enable", String.format(
                "dom0's driver enabled MSI-X, but the device's Message Control reads 0x%04x: the Enable write never reached it "
                        + "(vPCI masked the capability), so none of its vectors reaches dom0", control)));
    }
}
