package vdm.toolstack;

import java.util.List;
import java.util.OptionalInt;

/**
 * The root bus of an HVM guest's QEMU (the xenfv machine) as libxl starts it with its defaults (Cirrus VGA, no
 * emulated NIC, no USB): the emulated functions and their BARs, and the slot a device_add without {@code addr} gets.
 * <p>Slots as QEMU fills them: {@code pc_init1} (hw/i386/pc_piix.c) puts the i440FX host bridge at 00.0 and the PIIX3
 * with {@code devfn -1} at the first free slot, 01.0 (IDE at 01.1, the PIIX4 ACPI function at 01.3), then
 * {@code pc_vga_init} the VGA at 02.0; {@code pc_xen_hvm_init} then adds the xen-platform device, again with
 * {@code devfn -1}: 03.0. libxl's device_add for xen-pci-passthrough names no {@code addr} unless the guest config
 * gave a vslot ({@code pci_add_qmp_device_add}, tools/libs/light/libxl_pci.c), so QEMU's
 * {@code do_pci_register_device} picks the first slot from the bus's {@code devfn_min} (0) whose function 0 is free.
 */
public final class GuestPciBus {
    /** A BAR of an emulated function: its index, size, and whether it is an I/O BAR or prefetchable memory. */
    public record EmulatedBar(int index, long size, boolean io, boolean prefetchable) {}

    /**
     * What a function's config space says it is: vendor and device ids, subsystem vendor and subsystem ids, and the
     * 16-bit class (base class and subclass, config offsets 0x0a-0x0b).
     */
    public record Identity(int vendor, int device, int subsystemVendor, int subsystem, int classCode) {}

    /**
     * An emulated function at a guest devfn: what it is, its INTx pin (1 = INTA, 0 none), its BARs and its option ROM
     * (0 if none), as QEMU registers them.
     */
    public record EmulatedFunction(int devfn, String name, Identity id, int interruptPin, List<EmulatedBar> bars, long romSize) {}

    /**
     * QEMU's default subsystem ids for a device that sets none (pci_init_subsystem_id, hw/pci/pci.c:
     * PCI_SUBVENDOR_ID_REDHAT_QUMRANET 0x1af4, PCI_SUBDEVICE_ID_QEMU 0x1100).
     */
    private static final int QEMU_SUBVENDOR = 0x1af4, QEMU_SUBDEVICE = 0x1100;

    private static Identity qemu(int vendor, int device, int classCode) {
        return new Identity(vendor, device, QEMU_SUBVENDOR, QEMU_SUBDEVICE, classCode);
    }

    /**
     * The xenfv machine's emulated functions. Ids and classes from their class_init functions: i440fx_class_init
     * (8086:1237, host bridge 0x0600), piix3_class_init (8086:7000, ISA bridge 0x0601), piix3_ide_class_init
     * (8086:7010, IDE 0x0101), piix4_pm_class_init (8086:7113, bridge 0x0680; piix4_pm_realize sets INTA),
     * cirrus_vga_class_init (1013:00b8, VGA 0x0300), xen_platform_class_init (hw/i386/xen/xen_platform.c: 5853:0001,
     * class PCI_CLASS_OTHERS << 8 | 0x80 = 0xff80, its own subsystem 5853:0001; xen_platform_realize sets INTA).
     * BAR sizes as QEMU registers them: the PIIX3 IDE's bus-master BAR4 (16 ports, hw/ide/piix.c), the Cirrus VGA's
     * 32 MiB prefetchable linear framebuffer BAR0 and its 4 KiB MMIO BAR1 ({@code pci_cirrus_vga_realize}) and the
     * 64 KiB option ROM pci_add_option_rom loads (vgabios-cirrus.bin), the xen-platform device's 256-port BAR0
     * ("xen-pci") and 16 MiB prefetchable BAR1 ("xen-mmio"). Checked against the real qemu-system-x86_64 7.2's
     * query-pci for all but xen-platform, which needs Xen.
     */
    public static final List<EmulatedFunction> XENFV = List.of(
            new EmulatedFunction(0x00, "i440FX", qemu(0x8086, 0x1237, 0x0600), 0, List.of(), 0),
            new EmulatedFunction(0x08, "PIIX3", qemu(0x8086, 0x7000, 0x0601), 0, List.of(), 0),
            new EmulatedFunction(0x09, "PIIX3 IDE", qemu(0x8086, 0x7010, 0x0101), 0, List.of(new EmulatedBar(4, 0x10, true, false)), 0),
            new EmulatedFunction(0x0b, "PIIX4 ACPI", qemu(0x8086, 0x7113, 0x0680), 1, List.of(), 0),
            new EmulatedFunction(0x10, "cirrus-vga", qemu(0x1013, 0x00b8, 0x0300), 0,
                    List.of(new EmulatedBar(0, 0x200_0000, false, true), new EmulatedBar(1, 0x1000, false, false)), 0x1_0000),
            new EmulatedFunction(0x18, "xen-platform", new Identity(0x5853, 0x0001, 0x5853, 0x0001, 0xff80), 1,
                    List.of(new EmulatedBar(0, 0x100, true, false), new EmulatedBar(1, 0x100_0000, false, true)), 0));

    /** QEMU's text when every slot is taken (do_pci_register_device). */
    public static final String NO_SLOT = "PCI: no slot/function available for xen-pci-passthrough, all in use or reserved";

    private GuestPciBus() {}

    /** The slot QEMU gives the next device_add without addr in a guest holding {@code attached}; empty if none is free. */
    public static OptionalInt firstFreeSlot(List<XenPtDevice> attached) {
        boolean[] used = new boolean[32];
        for (EmulatedFunction f : XENFV) used[f.devfn() >>> 3] = true;
        for (XenPtDevice p : attached) used[p.guestSlot()] = true;
        for (int slot = 0; slot < 32; slot++) if (!used[slot]) return OptionalInt.of(slot);
        return OptionalInt.empty();
    }
}
