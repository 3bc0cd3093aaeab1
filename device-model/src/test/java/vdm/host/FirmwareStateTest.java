package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;
import vdm.pci.cap.MsiX;
import vdm.pci.cap.PciExpress;

/**
 * What firmware leaves in a function ({@link Firmware}): MSI-X Message Control's MASKALL (0x4000) and ENABLE (0x8000)
 * as the OS finds them, and a device that keeps MASKALL through its own resets but not through a power cycle, as Xen
 * 913751d7af's report describes ("MASKALL persists through a warm reboot, but is cleared on cold boot").
 */
class FirmwareStateTest {
    private static final Sbdf NVME = Sbdf.parse("0000:00:03.0");
    private static final int MASKALL = 0x4000, ENABLE = 0x8000;

    private static Host host(Firmware fw) {
        return Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device(NVME.toString(), new FunctionSource.Catalog("nvme"), fw).prt(0, 3, IntxPin.A, 16).build().enumerate();
    }

    private static int control(Host h) {
        PhysicalFunction f = h.require(NVME);
        return f.read(f.layout().capability(MsiX.ID, false).offset() + 2, 2);
    }

    @Test
    void theOsFindsMaskallAndEnableAsFirmwareLeftThem() {
        assertEquals(MASKALL | ENABLE, control(host(Firmware.msixLeftMasked(true))) & (MASKALL | ENABLE));
        assertEquals(MASKALL, control(host(Firmware.msixLeftMasked(false))) & (MASKALL | ENABLE));
        assertEquals(0, control(host(Firmware.NONE)) & (MASKALL | ENABLE), "a function as its reset left it");
    }

    @Test
    void aDeviceThatKeepsMaskallKeepsItThroughAnFlrButNotEnable() {
        Host h = host(Firmware.msixLeftMasked(true));
        h.reset(NVME, ResetKind.FLR);
        assertEquals(MASKALL, control(h) & (MASKALL | ENABLE));
        // the FLR dom0 asks for through PCIe Device Control, bit 15
        PhysicalFunction f = h.require(NVME);
        int devctl = f.layout().capability(PciExpress.ID, false).offset() + 8;
        f.write(devctl, 2, f.read(devctl, 2) | PciExpress.DEVCTL_FLR);
        assertEquals(MASKALL, control(h) & (MASKALL | ENABLE));
    }

    @Test
    void aPowerCycleClearsWhatFirmwareLeft() {
        Host h = host(Firmware.msixLeftMasked(true));
        h.powerCycle();
        assertEquals(0, control(h) & (MASKALL | ENABLE));
        h.reset(NVME, ResetKind.FLR);
        assertEquals(0, control(h) & (MASKALL | ENABLE));
    }

    @Test
    void onceSoftwareClearedMaskallTheDevicesResetsLeaveItClear() {
        Host h = host(Firmware.msixLeftMasked(false));
        PhysicalFunction f = h.require(NVME);
        int at = f.layout().capability(MsiX.ID, false).offset() + 2;
        f.write(at, 2, control(h) & ~MASKALL); // what Xen's pdev_msi_init does since 913751d7af
        h.reset(NVME, ResetKind.FLR);
        assertEquals(0, control(h) & MASKALL);
    }

    @Test
    void anOrdinaryDevicesFlrClearsMaskall() {
        Host h = host(new Firmware(true, true, false));
        h.reset(NVME, ResetKind.FLR);
        assertEquals(0, control(h) & (MASKALL | ENABLE));
    }

    @Test
    void firmwareStateOnAFunctionWithoutMsixIsRefusedNamingIt() {
        var e = assertThrows(HostDescriptionException.class, () -> Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device("0000:00:03.0", new FunctionSource.Catalog("e1000"), Firmware.msixLeftMasked(true))
                .prt(0, 3, IntxPin.A, 16).build());
        assertTrue(e.getMessage().contains("0000:00:03.0") && e.getMessage().contains("no MSI-X capability"), e.getMessage());
    }

    @Test
    void descriptionsDifferByWhatFirmwareLeft() {
        HostDescription plain = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device(NVME.toString(), "nvme").prt(0, 3, IntxPin.A, 16).describe();
        HostDescription left = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device(NVME.toString(), new FunctionSource.Catalog("nvme"), Firmware.msixLeftMasked(true)).prt(0, 3, IntxPin.A, 16).describe();
        assertTrue(!plain.equals(left));
        assertEquals(Firmware.NONE, plain.function(NVME).orElseThrow().firmware());
    }

    @Test
    void firmwarePlacesBarsAndLeavesDecodingOn() {
        Host h = host(Firmware.placed(java.util.Map.of(0, 0x4_0000_0000L), true));
        PhysicalFunction f = h.require(NVME);
        assertEquals(0x4_0000_0000L, f.barAddress(0), "both dwords of the 64-bit BAR");
        assertEquals(0x2, f.command() & 0x2);
        assertTrue(h.mmioDecode(0x4_0000_0000L).isPresent(), "the device decodes there from the start");
        assertEquals(0, host(Firmware.NONE).require(NVME).command() & 0x2, "vdm's firmware leaves decoding off");
    }

    @Test
    void aBarFirmwareCannotPlaceIsRefusedNamingIt() {
        var io = assertThrows(HostDescriptionException.class, () -> host(Firmware.placed(java.util.Map.of(2, 0xfe000000L), true)));
        assertTrue(io.getMessage().contains("0000:00:03.0") && io.getMessage().contains("no memory BAR there"), io.getMessage());
        var misaligned = assertThrows(HostDescriptionException.class, () -> host(Firmware.placed(java.util.Map.of(0, 0xfe001000L), true)));
        assertTrue(misaligned.getMessage().contains("does not fit the BAR (size 0x4000"), misaligned.getMessage());
        var zero = assertThrows(HostDescriptionException.class, () -> Firmware.placed(java.util.Map.of(0, 0L), true));
        assertTrue(zero.getMessage().contains("BAR0's address is missing or 0"), zero.getMessage());
    }

    @Test
    void overlappingMemoryMapEntriesAreRefusedNamingBoth() {
        var e = assertThrows(HostDescriptionException.class, () -> Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .memory(0, 0x9ffff, MemoryRegion.Type.RAM).memory(0x9f000, 0xfffff, MemoryRegion.Type.RESERVED).describe());
        assertTrue(e.getMessage().contains("[0x9f000, 0xfffff] reserved") && e.getMessage().contains("overlaps memory map entry [0x0, 0x9ffff] ram"),
                e.getMessage());
        var backwards = assertThrows(HostDescriptionException.class, () -> new MemoryRegion(0x2000, 0x1fff, MemoryRegion.Type.RAM));
        assertTrue(backwards.getMessage().contains("ends before it starts"), backwards.getMessage());
        assertEquals(MemoryRegion.Type.NVS, MemoryRegion.Type.of("ACPI Non-volatile Storage"), "Linux's memmap names");
    }
}
