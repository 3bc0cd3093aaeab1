package vdm.ioapic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoApicRegistersTest {
    private final IoApic apic = IoApic.create(InterruptSink.DISCARD);

    private int readReg(IoApic a, int index) {
        a.write(IoApic.IOREGSEL, 4, index);
        return a.read(IoApic.IOWIN, 4);
    }

    private void writeReg(IoApic a, int index, int value) {
        a.write(IoApic.IOREGSEL, 4, index);
        a.write(IoApic.IOWIN, 4, value);
    }

    @Test
    void versionRegisterShowsVersionAndLastEntryAndIgnoresWrites() {
        assertEquals(0x0017_0020, readReg(apic, IoApic.REG_VERSION)); // live QEMU 7.2
        writeReg(apic, IoApic.REG_VERSION, 0xffff_ffff);
        assertEquals(0x0017_0020, readReg(apic, IoApic.REG_VERSION));

        IoApic xen = IoApic.builder().pins(48).version(IoApic.VERSION_11).build();
        assertEquals(0x002F_0011, readReg(xen, IoApic.REG_VERSION)); // Xen's domU vIO-APIC
        IoApic one = IoApic.builder().pins(1).build();
        assertEquals(0x0000_0020, readReg(one, IoApic.REG_VERSION));
    }

    @Test
    void idKeepsBits24To27AndArbitrationReadsAsIdAndIgnoresWrites() {
        IoApic a = IoApic.builder().id(5).build();
        assertEquals(0x0500_0000, readReg(a, IoApic.REG_ID));
        assertEquals(0x0500_0000, readReg(a, IoApic.REG_ARBITRATION));
        writeReg(a, IoApic.REG_ID, 0xffff_ffff);
        assertEquals(0x0f00_0000, readReg(a, IoApic.REG_ID)); // live QEMU: 0x0f000000
        assertEquals(15, a.id());
        writeReg(a, IoApic.REG_ARBITRATION, 0x0300_0000);
        assertEquals(0x0f00_0000, readReg(a, IoApic.REG_ARBITRATION));
        assertEquals(0x0f00_0000, readReg(a, IoApic.REG_ID));
        a.reset();
        assertEquals(0x0500_0000, readReg(a, IoApic.REG_ID), "reset restores the configured (MADT) ID");
    }

    @Test
    void selectorKeepsItsLowEightBitsAtEverySize() {
        apic.write(IoApic.IOREGSEL, 4, 0x12345);
        assertEquals(0x45, apic.read(IoApic.IOREGSEL, 4)); // live QEMU: 0x45 at sizes 1, 2 and 4
        assertEquals(0x45, apic.read(IoApic.IOREGSEL, 2));
        assertEquals(0x45, apic.read(IoApic.IOREGSEL, 1));
        assertEquals(0, apic.read(0x01, 1), "the selector's other bytes are not decoded");
        apic.write(IoApic.IOREGSEL, 2, 0x1234);
        assertEquals(0x34, apic.selector());
        apic.write(0x01, 1, 0x20);
        assertEquals(0x34, apic.selector(), "a byte write at offset 1 is not the selector");
    }

    @Test
    void anIoApicWithMoreThan120PinsKeepsAWideSelectorToReachItsLastEntries() {
        IoApic big = IoApic.builder().pins(240).build();
        assertEquals(0x00ef_0020, readReg(big, IoApic.REG_VERSION));
        int lastHigh = IoApic.REG_REDIRECTION_BASE + 2 * 239 + 1;
        writeReg(big, lastHigh, 0xab00_0000);
        assertEquals(lastHigh, big.selector());
        assertEquals(0xab00_0000, readReg(big, lastHigh));
        assertEquals(0xab00_0000_0001_0000L, big.entry(239));
    }

    @Test
    void entryDwordsStoreReservedBitsButNotDeliveryStatusOrRemoteIrr() {
        writeReg(apic, 0x10, 0xffff_ffff);
        assertEquals(0xffff_afff, readReg(apic, 0x10)); // live QEMU 7.2
        writeReg(apic, 0x11, 0xffff_ffff);
        assertEquals(0xffff_ffff, readReg(apic, 0x11));
        assertEquals(0xffff_ffff_ffff_afffL, apic.entry(0));
        apic.setEntry(1, -1L);
        assertEquals(0xffff_ffff_ffff_afffL, apic.entry(1));
    }

    @Test
    void resetMasksEveryPinAndClearsTheRest() {
        IoApic a = IoApic.builder().pins(48).build();
        for (int pin = 0; pin < 48; pin++) {
            assertEquals(RedirectionEntry.RESET, a.entry(pin));
            assertEquals(0x0001_0000, readReg(a, 0x10 + 2 * pin));
            assertEquals(0, readReg(a, 0x11 + 2 * pin));
        }
        a.setEntry(3, RedirectionEntry.fixed(0x33, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 1));
        a.assertPin(3);
        a.write(IoApic.IOREGSEL, 4, 0x17);
        a.reset();
        assertEquals(RedirectionEntry.RESET, a.entry(3));
        assertEquals(false, a.pending(3));
        assertEquals(0, a.selector());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void iowinIgnoresAccessesSmallerThanFourBytes(int size) {
        apic.write(IoApic.IOREGSEL, 4, 0x10);
        apic.write(IoApic.IOWIN, size, 0x30);
        assertEquals(RedirectionEntry.RESET, apic.entry(0));
        assertEquals(0, apic.read(IoApic.IOWIN, size));
        apic.write(IoApic.IOREGSEL, 4, IoApic.REG_VERSION);
        assertEquals(0, apic.read(IoApic.IOWIN, size));
        assertEquals(0x0017_0020, apic.read(IoApic.IOWIN, 4));
    }

    @Test
    void registersThatNameNothingReadZeroAndIgnoreWrites() {
        long[] before = new long[24];
        for (int pin = 0; pin < 24; pin++) {
            apic.setEntry(pin, 0x0100_0000_0000_0030L + pin);
            before[pin] = apic.entry(pin);
        }
        for (int index : new int[] {0x03, 0x0f, 0x40, 0x41, 0x80, 0xff}) {
            assertEquals(0, readReg(apic, index), "register 0x" + Integer.toHexString(index));
            writeReg(apic, index, 0xffff_ffff);
        }
        for (int pin = 0; pin < 24; pin++) assertEquals(before[pin], apic.entry(pin));
        assertEquals(0, apic.readRegister(-1));
        apic.writeRegister(Integer.MIN_VALUE, 1);
    }

    @Test
    void eoiRegisterAndOtherOffsetsReadZero() {
        apic.write(IoApic.IOREGSEL, 4, IoApic.REG_VERSION);
        for (int offset : new int[] {IoApic.EOI, 0x04, 0x14, 0x20, 0x30, 0xfc}) {
            assertEquals(0, apic.read(offset, 4), "offset 0x" + Integer.toHexString(offset));
        }
    }

    @Test
    void theWindowDecodesOnlyTheLowEightAddressBitsAsQemuDoes() {
        apic.write(0x100, 4, IoApic.REG_VERSION); // live QEMU: aliases IOREGSEL
        assertEquals(IoApic.REG_VERSION, apic.read(IoApic.IOREGSEL, 4));
        assertEquals(0x0017_0020, apic.read(0x110, 4));
        assertEquals(0x0017_0020, apic.read(0xf10, 4));
    }

    @Test
    void eoiRegisterExistsOnlyInVersion20() {
        for (int version : new int[] {IoApic.VERSION_11, IoApic.VERSION_20}) {
            RecordingSink sink = new RecordingSink();
            IoApic a = IoApic.builder().version(version).sink(sink).build();
            a.setEntry(4, RedirectionEntry.fixed(0x44, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
            a.assertPin(4);
            a.deassertPin(4);
            assertTrue(RedirectionEntry.remoteIrr(a.entry(4)));
            a.write(IoApic.EOI, 2, 0x44);
            assertTrue(RedirectionEntry.remoteIrr(a.entry(4)), "a 2-byte EOI write is ignored");
            a.write(IoApic.EOI, 4, 0x144); // ICH IOxAPIC: only bits 7..0 are compared
            assertEquals(version == IoApic.VERSION_11, RedirectionEntry.remoteIrr(a.entry(4)),
                    "version 0x" + Integer.toHexString(version));
            a.eoi(0x44); // the local APIC's broadcast works on both
            assertEquals(false, RedirectionEntry.remoteIrr(a.entry(4)));
        }
    }

    @ParameterizedTest
    @CsvSource({"0, 3, size", "0, 8, size", "0, 0, size", "-4, 4, window", "4096, 4, window", "4094, 4, window",
            "17, 4, aligned", "1, 2, aligned", "4095, 2, window"})
    void badAccessesAreTypedErrorsNamingOffsetAndSize(int offset, int size, String problem) {
        InvalidAccessException r = assertThrows(InvalidAccessException.class, () -> apic.read(offset, size));
        InvalidAccessException w = assertThrows(InvalidAccessException.class, () -> apic.write(offset, size, 0));
        assertEquals(offset, r.offset());
        assertEquals(size, r.size());
        assertTrue(r.getMessage().contains(problem), r.getMessage());
        assertTrue(r.getMessage().contains("0x" + Integer.toHexString(offset)), r.getMessage());
        assertEquals(r.getMessage(), w.getMessage());
    }

    @Test
    void aPinOutsideTheTableIsATypedErrorNamingPinAndIoApic() {
        for (int pin : new int[] {-1, 24, 240}) {
            InvalidPinException e = assertThrows(InvalidPinException.class, () -> apic.entry(pin));
            assertEquals(pin, e.pin());
            assertTrue(e.getMessage().contains("pin " + pin) && e.getMessage().contains("IO-APIC 0"),
                    e.getMessage());
            assertThrows(InvalidPinException.class, () -> apic.assertPin(pin));
            assertThrows(InvalidPinException.class, () -> apic.deassertPin(pin));
            assertThrows(InvalidPinException.class, () -> apic.setEntry(pin, 0));
            assertThrows(InvalidPinException.class, () -> apic.pending(pin));
        }
    }

    @Test
    void anEoiVectorOutside0To255IsRejected() {
        assertThrows(IllegalArgumentException.class, () -> apic.eoi(256));
        assertThrows(IllegalArgumentException.class, () -> apic.eoi(-1));
    }

    @Test
    void invalidConfigurationsAreRejectedWithTheValueInTheMessage() {
        assertMessage("pin count 0", () -> IoApic.builder().pins(0));
        assertMessage("pin count 241", () -> IoApic.builder().pins(241));
        assertMessage("version 0x10", () -> IoApic.builder().version(0x10));
        assertMessage("version 0x21", () -> IoApic.builder().version(0x21));
        assertMessage("id 16", () -> IoApic.builder().id(16));
        assertMessage("id -1", () -> IoApic.builder().id(-1));
        assertMessage("GSI base -1", () -> IoApic.builder().gsiBase(-1));
        assertThrows(NullPointerException.class, () -> IoApic.builder().sink(null));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable action) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
