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

    /** An emulated function at a guest devfn. */
    public record EmulatedFunction(int devfn, String name, List<EmulatedBar> bars) {}

    /**
     * The xenfv machine's emulated functions. BAR sizes as QEMU registers them: the PIIX3 IDE's bus-master BAR4
     * (16 ports, hw/ide/piix.c), the Cirrus VGA's 32 MiB prefetchable linear framebuffer BAR0 and its 4 KiB MMIO BAR1
     * ({@code pci_cirrus_vga_realize}), the xen-platform device's 256-port BAR0 and 16 MiB prefetchable BAR1
     * ({@code xen_platform_realize}, "xen-mmio"). The VGA's option ROM is left out.
     */
    public static final List<EmulatedFunction> XENFV = List.of(
            new EmulatedFunction(0x00, "i440FX", List.of()),
            new EmulatedFunction(0x08, "PIIX3", List.of()),
            new EmulatedFunction(0x09, "PIIX3 IDE", List.of(new EmulatedBar(4, 0x10, true, false))),
            new EmulatedFunction(0x0b, "PIIX4 ACPI", List.of()),
            new EmulatedFunction(0x10, "cirrus-vga", List.of(new EmulatedBar(0, 0x200_0000, false, true), new EmulatedBar(1, 0x1000, false, false))),
            new EmulatedFunction(0x18, "xen-platform", List.of(new EmulatedBar(0, 0x100, true, false), new EmulatedBar(1, 0x100_0000, false, true))));

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
