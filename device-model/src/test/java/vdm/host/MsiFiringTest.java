package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;

/**
 * MSI as the function raises it from its capability (PCI Local Bus 3.0, 6.8.1 and 6.8.3.3; QEMU hw/pci/msi.c
 * msi_get_message, msi_notify, msi_write_config), on the catalog's ahci-msi8 (8 messages, 64-bit, per-vector masking,
 * MSI capability at 0x88: control 0x8a, address 0x8c/0x90, data 0x94, mask 0x98, pending 0x9c) and the GPU
 * (1 message, 64-bit, maskable, at 0x68).
 */
class MsiFiringTest {
    record Message(long address, int data) {}

    private static final Sbdf AHCI = Sbdf.parse("0000:00:05.0");
    private static final int CTL = 0x8a, ADDR = 0x8c, DATA = 0x94, MASK = 0x98, PENDING = 0x9c;
    private final Host host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
            .device(AHCI.toString(), "ahci-msi8").device("0000:00:02.0", "gpu")
            .prt(0, 5, IntxPin.A, 16).prt(0, 2, IntxPin.A, 17).build();
    private final PhysicalFunction ahci = host.require(AHCI);
    private final List<Message> sent = new ArrayList<>();

    MsiFiringTest() {
        host.msiTarget((source, address, data) -> sent.add(new Message(address, data)));
        ahci.write(0x04, 2, 0x4);
        ahci.write(ADDR, 4, 0xfee0_1000);
        ahci.write(ADDR + 4, 4, 0x1);
        ahci.write(DATA, 2, 0x4060);
    }

    @Test
    void vectorKOfEightReplacesTheLowThreeDataBits() {
        ahci.write(CTL, 2, 0x0031); // MME 3 (8 vectors), enable
        for (int k = 0; k < 8; k++) assertEquals(MsiOutcome.SENT, ahci.fireMsi(k));
        List<Message> expected = new ArrayList<>();
        for (int k = 0; k < 8; k++) expected.add(new Message(0x1_fee0_1000L, 0x4060 | k));
        assertEquals(expected, sent);
    }

    @Test
    void twoAllocatedVectorsReplaceOneBitAndAVectorBeyondThemIsRefused() {
        ahci.write(DATA, 2, 0x4067);
        ahci.write(CTL, 2, 0x0011); // MME 1: 2 vectors
        ahci.fireMsi(0);
        ahci.fireMsi(1);
        assertEquals(List.of(new Message(0x1_fee0_1000L, 0x4066), new Message(0x1_fee0_1000L, 0x4067)), sent);
        assertEquals("0000:00:05.0: MSI vector 2 is not enabled: Multiple Message Enable allocates 2 of the 8 vectors",
                assertThrows(IllegalArgumentException.class, () -> ahci.fireMsi(2)).getMessage());
        assertEquals("0000:00:05.0: MSI vector 8: the function has 8 MSI vectors (0..7)",
                assertThrows(IllegalArgumentException.class, () -> ahci.fireMsi(8)).getMessage());
    }

    @Test
    void aMaskedVectorSetsItsPendingBitAndIsSentWhenUnmasked() {
        ahci.write(CTL, 2, 0x0031);
        ahci.write(MASK, 4, 0b1010);
        assertEquals(MsiOutcome.PENDING, ahci.fireMsi(3));
        assertEquals(MsiOutcome.PENDING, ahci.fireMsi(1));
        assertEquals(MsiOutcome.SENT, ahci.fireMsi(2));
        assertEquals(0b1010, ahci.read(PENDING, 4));
        ahci.write(PENDING, 4, 0); // Pending Bits are read-only to software
        assertEquals(0b1010, ahci.read(PENDING, 4));
        ahci.write(MASK, 4, 0b0010); // unmask vector 3 only
        assertEquals(List.of(new Message(0x1_fee0_1000L, 0x4062), new Message(0x1_fee0_1000L, 0x4063)), sent);
        assertEquals(0b0010, ahci.read(PENDING, 4));
    }

    @Test
    void nothingIsSentOrLatchedWhileMsiIsDisabledOrBusMasteringIsOff() {
        ahci.write(MASK, 4, 0xff);
        assertEquals(MsiOutcome.DISABLED, ahci.fireMsi(0));
        ahci.write(CTL, 2, 0x0031);
        ahci.write(0x04, 2, 0);
        assertEquals(MsiOutcome.DISABLED, ahci.fireMsi(0));
        assertEquals(0, ahci.read(PENDING, 4));
        assertTrue(sent.isEmpty());
    }

    @Test
    void aPendingVectorUnmaskedWhileBusMasteringIsOffGoesOutWhenItReturns() {
        ahci.write(CTL, 2, 0x0031);
        ahci.write(MASK, 4, 0x1);
        ahci.fireMsi(0);
        ahci.write(0x04, 2, 0);
        ahci.write(MASK, 4, 0);
        assertTrue(sent.isEmpty());
        assertEquals(1, ahci.read(PENDING, 4));
        ahci.write(0x04, 2, 0x4);
        assertEquals(List.of(new Message(0x1_fee0_1000L, 0x4060)), sent);
        assertEquals(0, ahci.read(PENDING, 4));
    }

    @Test
    void loweringMultipleMessageEnableDiscardsPendingBitsBeyondTheAllocatedVectors() {
        ahci.write(CTL, 2, 0x0031);
        ahci.write(MASK, 4, 0xff);
        ahci.fireMsi(6);
        ahci.fireMsi(0);
        ahci.write(CTL, 2, 0x0011); // 2 vectors: msi_write_config drops vector 6's pending bit
        assertEquals(1, ahci.read(PENDING, 4));
    }

    @Test
    void aResetClearsMasksAndPendingBits() {
        ahci.write(CTL, 2, 0x0031);
        ahci.write(MASK, 4, 0xff);
        ahci.fireMsi(4);
        ahci.reset(ResetKind.FLR);
        assertEquals(0, ahci.read(PENDING, 4));
        assertEquals(0, ahci.read(MASK, 4));
        assertEquals(0, ahci.read(CTL, 2) & 0x71);
    }

    @Test
    void theGpuHasOneMessageAndAFunctionWithoutMsiIsRefused() {
        PhysicalFunction gpu = host.require(Sbdf.parse("0000:00:02.0"));
        gpu.write(0x04, 2, 0x4);
        gpu.write(0x6c, 4, 0xfee0_0000);
        gpu.write(0x74, 2, 0x0031);
        gpu.write(0x6a, 2, 0x0071); // asks for 128 vectors: the function clamps MME to its 1 (QEMU msi_write_config)
        assertEquals(MsiOutcome.SENT, gpu.fireMsi(0));
        assertEquals(List.of(new Message(0xfee0_0000L, 0x31)), sent);
        Host plain = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device("0000:00:03.0", "e1000").prt(0, 3, IntxPin.A, 16).build();
        PhysicalFunction e1000 = plain.require(Sbdf.parse("0000:00:03.0"));
        assertEquals("0000:00:03.0: MSI vector 0: the function has no MSI capability",
                assertThrows(IllegalArgumentException.class, () -> e1000.fireMsi(0)).getMessage());
        assertEquals("0000:00:03.0: MSI-X entry 0: the function has no MSI-X capability",
                assertThrows(IllegalArgumentException.class, () -> e1000.fireMsix(0)).getMessage());
    }
}
