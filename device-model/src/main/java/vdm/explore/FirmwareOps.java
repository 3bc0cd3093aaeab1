package vdm.explore;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import vdm.dom0.Dom0Kernel;
import vdm.host.Firmware;
import vdm.host.FunctionDescriptor;
import vdm.host.MmioHit;
import vdm.pci.Sbdf;
import vdm.pci.cap.MsiX;
import vdm.xen.Domain;
import vdm.xen.Vcpu;

/**
 * The bodies of the explorer's operations on what firmware left behind: {@link Op#DOM0_MSIX}, dom0's own driver using
 * MSI-X on a device that stays in dom0, whose table vPCI traps only while it counts the table's BAR as mapped
 * (msix_find); {@link Op#FIRMWARE_USE}, the firmware using a device it left decoding that dom0 has no driver for.
 */
final class FirmwareOps {
    private FirmwareOps() {}

    /** The vector dom0's driver gives MSI-X entry 0, and the local APIC address (destination 0) it sends it to. */
    static final int DOM0_VECTOR = 0x61;
    static final long LAPIC = 0xfee0_0000L;
    private static final int MSIX_ENABLE = 0x8000, MSIX_MASKALL = 0x4000;

    /** dom0's native driver holds the device, not a guest, on a PVH dom0 (whose MSI-X vPCI traps), and it has MSI-X. */
    static boolean dom0MsixApplies(Run r) {
        return r.driver() == Dom0Kernel.Driver.NATIVE && r.kernel().pvh() && !r.attached() && MsiOps.hostHas(r, MsiX.ID)
                && tableAddress(r) != 0;
    }

    private static int msixCap(Run r) {
        return r.vdm().host().require(r.device()).layout().capability(MsiX.ID, false).offset();
    }

    /** The MSI-X table's address as dom0 reads its BAR (0 while the BAR is unassigned). */
    private static long tableAddress(Run r) {
        Dom0Kernel k = r.kernel();
        Sbdf s = r.device();
        int bir = k.cfgRead(s, msixCap(r) + 4, 4);
        int reg = 0x10 + 4 * (bir & 7);
        int lo = k.cfgRead(s, reg, 4);
        long bar = lo & 0xfffffff0L;
        if ((lo & 0x6) == 0x4) bar |= (long) k.cfgRead(s, reg + 4, 4) << 32;
        return bar == 0 ? 0 : bar + (bir & ~7L & 0xffffffffL);
    }

    /**
     * dom0's driver brings MSI-X up as msix_capability_init does (enable with the function masked, program and unmask
     * entry 0 in the table, unmask the function), the device raises entry 0, and the driver shuts MSI-X down again
     * (pci_msix_shutdown: entry masked, MSI-X off). Exactly one interrupt must have reached dom0 on the vector.
     */
    static List<Failure> dom0Msix(Run r) {
        Dom0Kernel k = r.kernel();
        Sbdf s = r.device();
        int control = msixCap(r) + 2;
        long table = tableAddress(r);
        Domain dom0 = r.vdm().xen().dom0();
        Vcpu v = dom0.vcpu(0);
        k.cfgWrite(s, 0x04, 2, k.cfgRead(s, 0x04, 2) | 0x6); // pci_enable_device, pci_set_master
        k.cfgWrite(s, control, 2, MSIX_ENABLE | MSIX_MASKALL);
        r.vdm().xen().mmioWrite(v, table, 4, LAPIC);
        r.vdm().xen().mmioWrite(v, table + 4, 4, 0);
        r.vdm().xen().mmioWrite(v, table + 8, 4, DOM0_VECTOR);
        r.vdm().xen().mmioWrite(v, table + 12, 4, 0);
        k.cfgWrite(s, control, 2, MSIX_ENABLE);
        long before = dom0.msiReceipts().count(DOM0_VECTOR);
        r.vdm().host().require(s).fireMsix(0);
        long got = dom0.msiReceipts().count(DOM0_VECTOR) - before;
        r.vdm().xen().mmioWrite(v, table + 12, 4, 1);
        k.cfgWrite(s, control, 2, 0);
        if (got == 1) return List.of();
        return List.of(Failure.diverged("dom0's MSI-X entry 0", String.format("dom0 programmed MSI-X entry 0 at 0x%x with vector "
                + "0x%x and the device raised it: %d interrupts reached dom0", table, DOM0_VECTOR, got)));
    }

    private static Firmware firmware(Run r) {
        return r.vdm().host().description().function(r.device()).map(FunctionDescriptor::firmware).orElse(Firmware.NONE);
    }

    /** Firmware placed a BAR of the device and left it decoding, and dom0 has no driver for it. */
    static boolean firmwareUseApplies(Run r) {
        Firmware fw = firmware(r);
        return fw.memoryDecoding() && !fw.bars().isEmpty() && r.driver() == Dom0Kernel.Driver.NONE && !r.attached();
    }

    /**
     * The firmware reads the first BAR it placed, at the machine address where it placed it, as an EFI runtime
     * service or SMM code driving the device does: the device must decode there.
     */
    static List<Failure> firmwareUse(Run r) {
        Map.Entry<Integer, Long> bar = firmware(r).bars().entrySet().iterator().next();
        Optional<MmioHit> hit = r.vdm().host().mmioDecode(bar.getValue());
        boolean decoded = hit.isPresent() && hit.get().function().sbdf().equals(r.device()) && hit.get().bar() == bar.getKey();
        if (decoded) return List.of();
        return List.of(Failure.diverged("the firmware's use of BAR" + bar.getKey(), String.format("the firmware reads BAR%d "
                + "at 0x%x, where it left it: the device does not decode there (memory decoding %s)", bar.getKey(),
                bar.getValue(), (r.vdm().host().require(r.device()).command() & 0x2) != 0 ? "on" : "off")));
    }
}
