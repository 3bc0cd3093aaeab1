package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.pci.ResetKind;

/**
 * The MSI-X table and PBA as a function's BAR memory (QEMU hw/pci/msix.c; PCIe Base 6.x, 7.7.2), on DefaultHost's
 * NVMe (01:00.0, 65 vectors, table at BAR0 + 0x2000, PBA at BAR0 + 0x3000) and its e1000e (table in BAR3).
 */
class BarMemoryMsixTest {
    record Message(PhysicalFunction source, long address, int data) {}

    private final Host host = DefaultHost.build();
    private final List<Message> sent = new ArrayList<>();
    private final PhysicalFunction nvme = host.require(DefaultHost.NVME);

    BarMemoryMsixTest() {
        host.msiTarget((source, address, data) -> sent.add(new Message(source, address, data)));
    }

    private void enableMsix(PhysicalFunction f, boolean functionMask) {
        int cap = f.msixTable().orElseThrow().controlOffset();
        f.write(0x04, 2, f.command() | 0x4); // bus master
        f.write(cap, 2, 0x8000 | (functionMask ? 0x4000 : 0));
    }

    private void program(PhysicalFunction f, int entry, long address, int data) {
        long e = 0x2000 + 16L * entry;
        f.memWrite(0, e, 4, address);
        f.memWrite(0, e + 4, 4, address >>> 32);
        f.memWrite(0, e + 8, 4, data);
    }

    @Test
    void theTableResetsToZeroEntriesWithTheMaskBitSetAndAnEmptyPba() {
        for (int e = 0; e < 65; e++) {
            assertEquals(0, nvme.memRead(0, 0x2000 + 16 * e, 4));
            assertEquals(0, nvme.memRead(0, 0x2000 + 16 * e + 8, 4));
            assertEquals(1, nvme.memRead(0, 0x2000 + 16 * e + 12, 4), "vector control of entry " + e);
        }
        assertEquals(0, nvme.memRead(0, 0x3000, 8));
        assertEquals(0, nvme.memRead(0, 0x3008, 8));
    }

    @Test
    void aQwordAccessIsTwoDwordsLowFirstAndNarrowOrUnalignedOnesReadZeroAndAreDropped() {
        nvme.memWrite(0, 0x2010, 8, 0x0000_0000_fee0_1000L | 0x1234L << 32);
        assertEquals(0xfee0_1000L, nvme.memRead(0, 0x2010, 4));
        assertEquals(0x1234, nvme.memRead(0, 0x2014, 4));
        assertEquals(0x1234_fee0_1000L, nvme.memRead(0, 0x2010, 8));
        assertEquals(0, nvme.memRead(0, 0x2010, 1));
        assertEquals(0, nvme.memRead(0, 0x2012, 2));
        assertEquals(0, nvme.memRead(0, 0x2012, 4));
        nvme.memWrite(0, 0x2010, 1, 0xff);
        nvme.memWrite(0, 0x2011, 2, 0xffff);
        assertEquals(0x1234_fee0_1000L, nvme.memRead(0, 0x2010, 8));
        // A QWORD that is only DWORD-aligned is two aligned DWORDs to QEMU's memory core: both reach the table.
        nvme.memWrite(0, 0x2014, 8, 0x0000_00aa_0000_5678L);
        assertEquals(0x5678_fee0_1000L, nvme.memRead(0, 0x2010, 8));
        assertEquals(0xaa, nvme.memRead(0, 0x2018, 4));
        // An odd address: bytes 0x2011-0x2013 (a byte and a word) read 0, the DWORD at 0x2014 reads, the last byte 0.
        assertEquals(0x5678L << 24, nvme.memRead(0, 0x2011, 8));
        nvme.memWrite(0, 0x201c, 4, 0xffff_fffeL); // reserved bits kept, as QEMU keeps them; the mask bit is clear
        assertEquals(0xffff_fffeL, nvme.memRead(0, 0x201c, 4));
        assertTrue(!nvme.msixTable().orElseThrow().entryMasked(1));
    }

    @Test
    void thePbaIsReadOnlyAndTheRestOfTheBarIsPlainRegisters() {
        nvme.memWrite(0, 0x3000, 4, 0xffff_ffffL);
        assertEquals(0, nvme.memRead(0, 0x3000, 4));
        nvme.memWrite(0, 0x14, 4, 0x0046_0001L); // NVMe CC, a device register
        assertEquals(0x0046_0001L, nvme.memRead(0, 0x14, 4));
        assertEquals(0x46, nvme.memRead(0, 0x16, 1));
        nvme.memWrite(0, 0x1003, 2, 0xabcd); // crosses a QWORD: bytes 0x1003, 0x1004
        assertEquals(0xab_cd00_0000L, nvme.memRead(0, 0x1000, 8));
    }

    @Test
    void aMaskedVectorLatchesItsPendingBitAndIsSentOnUnmask() {
        enableMsix(nvme, false);
        program(nvme, 3, 0xfee0_0000L, 0x4041);
        assertEquals(MsiOutcome.PENDING, nvme.fireMsix(3));
        assertEquals(1L << 3, nvme.memRead(0, 0x3000, 8));
        assertTrue(sent.isEmpty());
        nvme.memWrite(0, 0x2000 + 16 * 3 + 12, 4, 0); // unmask
        assertEquals(List.of(new Message(nvme, 0xfee0_0000L, 0x4041)), sent);
        assertEquals(0, nvme.memRead(0, 0x3000, 8));
        assertEquals(MsiOutcome.SENT, nvme.fireMsix(3));
        assertEquals(2, sent.size());
    }

    @Test
    void functionMaskHoldsEveryVectorAndClearingItSendsWhatIsPending() {
        enableMsix(nvme, true);
        program(nvme, 0, 0xfee0_0000L, 0x30);
        program(nvme, 64, 0xfee0_1000L, 0x31);
        nvme.memWrite(0, 0x2000 + 12, 4, 0);
        nvme.memWrite(0, 0x2000 + 16 * 64 + 12, 4, 0);
        assertEquals(MsiOutcome.PENDING, nvme.fireMsix(0));
        assertEquals(MsiOutcome.PENDING, nvme.fireMsix(64));
        assertEquals(1, nvme.memRead(0, 0x3000, 4));
        assertEquals(1, nvme.memRead(0, 0x3008, 4)); // entry 64 is bit 0 of the second QWORD
        assertTrue(sent.isEmpty());
        nvme.write(nvme.msixTable().orElseThrow().controlOffset(), 2, 0x8000);
        assertEquals(List.of(new Message(nvme, 0xfee0_0000L, 0x30), new Message(nvme, 0xfee0_1000L, 0x31)), sent);
        assertEquals(0, nvme.memRead(0, 0x3000, 8) | nvme.memRead(0, 0x3008, 8));
    }

    @Test
    void nothingIsSentOrLatchedWhileMsixIsDisabledOrBusMasteringIsOff() {
        program(nvme, 1, 0xfee0_0000L, 0x22);
        nvme.memWrite(0, 0x2000 + 16 + 12, 4, 0);
        assertEquals(MsiOutcome.DISABLED, nvme.fireMsix(1));
        nvme.write(nvme.msixTable().orElseThrow().controlOffset(), 2, 0x8000); // enabled, bus master still clear
        assertEquals(MsiOutcome.DISABLED, nvme.fireMsix(1));
        assertEquals(0, nvme.memRead(0, 0x3000, 8));
        assertTrue(sent.isEmpty());
    }

    @Test
    void resetsReturnTheTableAndPbaToTheirResetValues() {
        for (ResetKind kind : ResetKind.values()) {
            if (kind == ResetKind.SECONDARY_BUS) continue;
            enableMsix(nvme, false);
            program(nvme, 2, 0xfee0_0000L, 0x55);
            nvme.memWrite(0, 0x14, 4, 1);
            assertEquals(MsiOutcome.PENDING, nvme.fireMsix(2));
            nvme.reset(kind);
            boolean kept = kind == ResetKind.D3HOT_TO_D0; // the NVMe has No_Soft_Reset
            assertEquals(kept ? 0x55 : 0, nvme.memRead(0, 0x2028, 4), kind.name());
            assertEquals(kept ? 1L << 2 : 0, nvme.memRead(0, 0x3000, 8), kind.name());
            assertEquals(kept ? 1 : 0, nvme.memRead(0, 0x14, 4), kind.name());
            assertEquals(1, nvme.memRead(0, 0x202c, 4), kind.name());
        }
    }

    @Test
    void anFlrThroughDeviceControlResetsTheTable() {
        enableMsix(nvme, false);
        program(nvme, 0, 0xfee0_0000L, 0x55);
        int pcie = nvme.layout().capability(vdm.pci.cap.PciExpress.ID, false).offset();
        nvme.write(pcie + 8, 2, nvme.read(pcie + 8, 2) | 0x8000);
        assertEquals(0, nvme.memRead(0, 0x2008, 4));
        assertEquals(1, nvme.memRead(0, 0x200c, 4));
    }

    @Test
    void aSecondaryBusResetResetsTheTableOfEveryFunctionBelow() {
        program(nvme, 0, 0xfee0_0000L, 0x55);
        host.secondaryBusReset(DefaultHost.ROOT_PORT);
        assertEquals(0, nvme.memRead(0, 0x2008, 4));
    }

    @Test
    void badAccessesAndVectorsNameTheFunctionAndTheReason() {
        assertEquals("0000:01:00.0: BAR1 at offset 0x0 size 4: the function has no BAR1 (implemented: BAR0)",
                assertThrows(IllegalArgumentException.class, () -> nvme.memRead(1, 0, 4)).getMessage());
        assertEquals("0000:01:00.0: BAR0 at offset 0x4000 size 4: outside the BAR (0x4000 bytes)",
                assertThrows(IllegalArgumentException.class, () -> nvme.memRead(0, 0x4000, 4)).getMessage());
        assertEquals("0000:01:00.0: BAR0 at offset 0x3ffc size 8: outside the BAR (0x4000 bytes)",
                assertThrows(IllegalArgumentException.class, () -> nvme.memWrite(0, 0x3ffc, 8, 0)).getMessage());
        assertEquals("0000:01:00.0: BAR0 at offset 0x0: size 3 is not 1, 2, 4 or 8",
                assertThrows(IllegalArgumentException.class, () -> nvme.memRead(0, 0, 3)).getMessage());
        assertEquals("0000:01:00.0: MSI-X entry 65: the table has 65 entries (0..64)",
                assertThrows(IllegalArgumentException.class, () -> nvme.fireMsix(65)).getMessage());
        assertEquals("0000:01:00.0: MSI vector 0: the function has no MSI capability",
                assertThrows(IllegalArgumentException.class, () -> nvme.fireMsi(0)).getMessage());
        PhysicalFunction nic = host.require(DefaultHost.NIC);
        assertEquals("0000:00:03.0: BAR2 at offset 0x0 size 4: BAR2 is an I/O BAR, not memory",
                assertThrows(IllegalArgumentException.class, () -> nic.memRead(2, 0, 4)).getMessage());
        assertFalse(sent.iterator().hasNext());
    }

    @Test
    void theE1000eTableIsInBar3WithItsPbaAt0x2000() {
        PhysicalFunction nic = host.require(DefaultHost.NIC);
        assertEquals(1, nic.memRead(3, 0x0c, 4));
        assertEquals(1, nic.memRead(3, 0x4c, 4)); // entry 4, the last of 5
        assertEquals(0, nic.memRead(3, 0x5c, 4)); // past the table: a device register
        enableMsix(nic, false);
        assertEquals(MsiOutcome.PENDING, nic.fireMsix(4));
        assertEquals(1L << 4, nic.memRead(3, 0x2000, 4));
        assertEquals(0, nic.memRead(0, 0x2000, 4)); // BAR0's offset 0x2000 is another BAR's register
    }

    @Test
    void memoryStateRoundTripsThroughCaptureAndRestore() {
        enableMsix(nvme, false);
        program(nvme, 5, 0xfee0_2000L, 0x77);
        nvme.memWrite(0, 0x20, 8, 0x1122_3344_5566_7788L);
        nvme.fireMsix(5);
        DeviceMemoryState saved = nvme.captureMemory();
        nvme.reset(ResetKind.FLR);
        assertEquals(0, nvme.memRead(0, 0x3000, 8));
        nvme.restoreMemory(saved);
        assertEquals(saved, nvme.captureMemory());
        assertEquals(0x77, nvme.memRead(0, 0x2058, 4));
        assertEquals(1L << 5, nvme.memRead(0, 0x3000, 8));
        assertEquals(0x1122_3344_5566_7788L, nvme.memRead(0, 0x20, 8));
        PhysicalFunction gpu = host.require(DefaultHost.GPU);
        assertThrows(IllegalArgumentException.class, () -> gpu.restoreMemory(saved));
    }
}
