package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;
import vdm.pci.layout.BarKind;

/** BAR decoding as PCI 3.0 section 6.2.5 and QEMU pci_bar_address define it: COMMAND bit, non-zero address, no wrap, 32-bit below 4 GiB, ROM enable. */
class PhysicalFunctionBarTest {
    private static final Sbdf GPU = Sbdf.parse("00:02.0");
    private static final Sbdf NIC = Sbdf.parse("00:03.0");

    private static Host host() {
        return Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device(GPU.toString(), "gpu").device(NIC.toString(), "e1000")
                .prt(0, 2, IntxPin.A, 16).prt(0, 3, IntxPin.A, 17).build();
    }

    @Test
    void declarationsGiveKindSizeAndPrefetchability() {
        PhysicalFunction gpu = host().require(GPU);
        assertEquals(BarKind.MEM32, gpu.barKind(0));
        assertEquals(16L << 20, gpu.barSize(0));
        assertEquals(BarKind.MEM64, gpu.barKind(1));
        assertEquals(256L << 20, gpu.barSize(1));
        assertTrue(gpu.barPrefetchable(1));
        assertNull(gpu.barKind(2), "upper half of the 64-bit BAR1");
        assertEquals(0, gpu.barSize(2));
        assertEquals(BarKind.IO, gpu.barKind(5));
        assertThrows(IllegalArgumentException.class, () -> gpu.barSize(6));
    }

    @Test
    void sixtyFourBitBarAddressJoinsBothDwordsAndDecodesAbove4GiB() {
        Host host = host();
        PhysicalFunction gpu = host.require(GPU);
        host.write(GPU, 0x14, 4, 0x0000_0000);
        host.write(GPU, 0x18, 4, 0x0000_0038);
        assertEquals(0x38_0000_0000L, gpu.barAddress(1));
        assertFalse(gpu.barDecodes(1), "memory decoding is off");
        host.write(GPU, 0x04, 2, 0x0002);
        assertTrue(gpu.barDecodes(1));
        assertEquals(new BarRegion(1, BarKind.MEM64, true, 0x38_0000_0000L, 256L << 20, true), gpu.region(1).orElseThrow());
    }

    @Test
    void barAtAddressZeroDoesNotDecode() {
        Host host = host();
        host.write(GPU, 0x04, 2, 0x0003);
        assertFalse(host.require(GPU).barDecodes(0));
    }

    @Test
    void sixtyFourBitBarAtTheTopOfTheAddressSpaceDecodes() {
        // Size-aligned registers cannot wrap: the highest 256 MiB ends exactly at 2^64 - 1, which hardware decodes
        // (QEMU's pci_bar_address refuses it only because it uses ~0 as its "unmapped" marker).
        Host host = host();
        PhysicalFunction gpu = host.require(GPU);
        host.write(GPU, 0x04, 2, 0x0002);
        host.write(GPU, 0x14, 4, 0xffff_ffff);
        host.write(GPU, 0x18, 4, 0xffff_ffff);
        assertEquals(0xffff_ffff_f000_0000L, gpu.barAddress(1));
        assertTrue(gpu.barDecodes(1));
        assertEquals(-1L, gpu.region(1).orElseThrow().last());
    }

    @Test
    void thirtyTwoBitBarMustEndBelow4GiB() {
        Host host = host();
        PhysicalFunction gpu = host.require(GPU);
        host.write(GPU, 0x04, 2, 0x0002);
        host.write(GPU, 0x10, 4, 0xff00_0000); // 16 MiB at 0xff000000 ends at 0xffffffff: fits
        assertTrue(gpu.barDecodes(0));
        assertEquals(0xff00_0000L, gpu.barAddress(0));
    }

    @Test
    void ioBarNeedsTheIoBitNotTheMemoryBit() {
        Host host = host();
        PhysicalFunction nic = host.require(NIC);
        host.write(NIC, 0x14, 4, 0xc000);
        assertEquals(0xc000, nic.barAddress(1));
        host.write(NIC, 0x04, 2, 0x0002);
        assertFalse(nic.barDecodes(1));
        host.write(NIC, 0x04, 2, 0x0001);
        assertTrue(nic.barDecodes(1));
        assertFalse(nic.barDecodes(0), "the memory BAR needs the memory bit");
    }

    @Test
    void romNeedsItsEnableBitAndMemoryDecoding() {
        Host host = host();
        PhysicalFunction nic = host.require(NIC);
        assertEquals(256L << 10, nic.romSize());
        host.write(NIC, 0x30, 4, 0xfeb0_0000);
        host.write(NIC, 0x04, 2, 0x0002);
        assertEquals(0xfeb0_0000L, nic.romAddress());
        assertFalse(nic.romDecodes(), "enable bit clear");
        host.write(NIC, 0x30, 4, 0xfeb0_0001);
        assertTrue(nic.romEnabled());
        assertTrue(nic.romDecodes());
        host.write(NIC, 0x04, 2, 0x0000);
        assertFalse(nic.romDecodes());
        assertEquals(BarRegion.ROM, nic.regions().getLast().index());
    }

    @Test
    void regionsListImplementedBarsThenTheRom() {
        PhysicalFunction gpu = host().require(GPU);
        assertEquals(5, gpu.regions().size()); // BAR0, BAR1 (64-bit), BAR3 (64-bit), BAR5 (I/O), ROM
        assertEquals(5, gpu.regions().get(3).index());
    }
}
