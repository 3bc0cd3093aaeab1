package vdm.ioapic;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.testkit.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * vdm's one-word-per-pin state machine against a plain sequential model written the way QEMU's hw/intc/ioapic.c is
 * (a separate {@code irr} bitmap, {@code ioapic_service} walking every pin after each change). Random sequences on
 * random configurations; the deliveries (order, pin, address, data) are compared too, which QEMU's differential test
 * cannot observe. Pinned seeds by default ({@link Seeds}); the seed is in every failure message.
 */
class IoApicReferenceModelTest {
    private static final int OPS = 20_000;

    private static final Seeds SEEDS = Seeds.of(IoApicReferenceModelTest.class, LongStream.range(1, 13).toArray());

    static LongStream seeds() {
        return SEEDS.cases();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void vdmAgreesWithTheQemuStyleModelOnEveryReadAndDelivery(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int pins = switch (rnd.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 24;
            case 2 -> 1 + rnd.nextInt(IoApic.MAX_PINS);
            default -> 64;
        };
        int version = rnd.nextBoolean() ? IoApic.VERSION_20 : IoApic.VERSION_11;
        List<String> actual = new ArrayList<>();
        IoApic vdm = IoApic.builder().pins(pins).version(version).id(rnd.nextInt(16)).sink((s, pin, address, data) ->
                actual.add(String.format("pin %d addr 0x%x data 0x%x", pin, address, data))).build();
        Model model = new Model(pins, version, vdm.id());
        String where = SEEDS.describe(seed) + " (" + pins + " pins, version 0x" + Integer.toHexString(version) + ")";
        int[] vectors = {0x40, 0x41, 0x42};
        int checked = 0;
        for (int op = 0; op < OPS; op++) {
            String at = where + ", op " + op;
            int pin = rnd.nextInt(pins);
            switch (rnd.nextInt(9)) {
                case 0, 1 -> {
                    long entry = vectors[rnd.nextInt(3)] | (long) rnd.nextInt(8) << 8
                            | (rnd.nextLong() & 0xffff_ffff_fffe_7800L) // reserved, destination, RO, polarity...
                            | (rnd.nextInt(3) < 2 ? RedirectionEntry.TRIGGER : 0)
                            | (rnd.nextInt(3) == 0 ? RedirectionEntry.MASK : 0);
                    if (rnd.nextBoolean()) {
                        vdm.setEntry(pin, entry);
                        model.writeEntry(pin, entry, -1L); // one 64-bit write: serviced once
                    } else {
                        boolean high = rnd.nextInt(4) == 0;
                        int index = 0x10 + 2 * pin + (high ? 1 : 0);
                        int value = high ? (int) (entry >>> 32) : (int) entry;
                        vdm.write(IoApic.IOREGSEL, 4, index);
                        vdm.write(IoApic.IOWIN, 4, value);
                        model.selector = index & (pins <= 120 ? 0xff : -1);
                        model.writeRegister(model.selector, value);
                    }
                }
                case 2, 3, 4 -> {
                    boolean level = rnd.nextInt(5) < 3;
                    vdm.setPin(pin, level);
                    model.setIrq(pin, level);
                }
                case 5 -> {
                    int vector = rnd.nextInt(8) == 0 ? rnd.nextInt(256) : vectors[rnd.nextInt(3)];
                    if (rnd.nextBoolean()) {
                        assertEquals(model.eoi(vector), vdm.eoi(vector), at + ": pins cleared by EOI");
                    } else {
                        vdm.write(IoApic.EOI, 4, vector);
                        if (version == IoApic.VERSION_20) model.eoi(vector);
                    }
                }
                case 6 -> {
                    int index = rnd.nextInt(4) == 0 ? rnd.nextInt(0x100) : 0x10 + rnd.nextInt(2 * pins);
                    vdm.write(IoApic.IOREGSEL, 4, index);
                    model.selector = index;
                    assertEquals(model.readRegister(index), vdm.read(IoApic.IOWIN, 4),
                            at + ": register 0x" + Integer.toHexString(index));
                }
                case 7 -> {
                    int index = rnd.nextInt(3);
                    int value = rnd.nextInt();
                    vdm.writeRegister(index, value);
                    model.writeRegister(index, value);
                }
                default -> {
                    if (rnd.nextInt(200) == 0) {
                        vdm.reset();
                        model.reset();
                    }
                }
            }
            assertEquals(model.deliveries.size(), actual.size(), at + ": delivery count");
            for (; checked < actual.size(); checked++) {
                assertEquals(model.deliveries.get(checked), actual.get(checked), at + ": delivery " + checked);
            }
            assertEquals(model.entryAsRead(pin), vdm.entry(pin), at + ": entry of pin " + pin);
            assertEquals(model.irr(pin), vdm.pending(pin), at + ": IRR of pin " + pin);
        }
        for (int pin = 0; pin < pins; pin++) {
            assertEquals(model.entryAsRead(pin), vdm.entry(pin), where + ": final entry of pin " + pin);
        }
        assertEquals(model.readRegister(0), vdm.readRegister(0), where + ": ID");
        assertEquals(model.readRegister(1), vdm.readRegister(1), where + ": VER");
    }

    /** QEMU's ioapic as a plain sequential program: entries, an irr bitmap, service after each change. */
    private static final class Model {
        final long[] table;
        final boolean[] irr;
        final int pins;
        final int version;
        final int resetId;
        int id;
        int selector;
        final List<String> deliveries = new ArrayList<>();

        Model(int pins, int version, int id) {
            this.pins = pins;
            this.version = version;
            this.resetId = id;
            this.table = new long[pins];
            this.irr = new boolean[pins];
            reset();
        }

        void reset() {
            java.util.Arrays.fill(table, 1L << 16);
            java.util.Arrays.fill(irr, false);
            id = resetId;
            selector = 0;
        }

        long entryAsRead(int pin) {
            return table[pin];
        }

        boolean irr(int pin) {
            return irr[pin];
        }

        void setIrq(int pin, boolean level) {
            long e = table[pin];
            if ((e >>> 15 & 1) == 1) {
                if (level) {
                    irr[pin] = true;
                    if ((e & (1L << 14)) == 0) service();
                } else {
                    irr[pin] = false;
                }
            } else if (level && (e & (1L << 16)) == 0) {
                irr[pin] = true;
                service();
            }
        }

        void service() {
            for (int pin = 0; pin < pins; pin++) {
                if (!irr[pin]) continue;
                long e = table[pin];
                if ((e & (1L << 16)) != 0) continue;
                if ((e >>> 15 & 1) == 0) {
                    irr[pin] = false;
                } else {
                    boolean coalesce = (e & (1L << 14)) != 0;
                    table[pin] |= 1L << 14;
                    if (coalesce) continue;
                }
                long address = 0xFEE0_0000L | ((e >>> 48) & 0xffff) << 4 | ((e >>> 11) & 1) << 2;
                int data = (int) (e & 0xff) | (int) ((e >>> 8) & 7) << 8 | (int) ((e >>> 15) & 1) << 15;
                deliveries.add(String.format("pin %d addr 0x%x data 0x%x", pin, address, data));
            }
        }

        int eoi(int vector) {
            int n = 0;
            for (int pin = 0; pin < pins; pin++) {
                long e = table[pin];
                if ((e & 0xff) != vector || (e >>> 15 & 1) == 0 || (e & (1L << 14)) == 0) continue;
                table[pin] = e & ~(1L << 14);
                n++;
                if ((e & (1L << 16)) == 0 && irr[pin]) service();
            }
            return n;
        }

        int readRegister(int index) {
            if (index == 0 || index == 2) return id << 24;
            if (index == 1) return version | (pins - 1) << 16;
            int r = index - 0x10;
            if (r < 0 || r >= 2 * pins) return 0;
            return (r & 1) == 0 ? (int) table[r >> 1] : (int) (table[r >> 1] >>> 32);
        }

        void writeRegister(int index, int value) {
            if (index == 0) {
                id = value >>> 24 & 0xf;
                return;
            }
            int r = index - 0x10;
            if (index < 0x10 || r >= 2 * pins) return;
            if ((r & 1) == 0) {
                writeEntry(r >> 1, value & 0xffff_ffffL, 0xffff_ffffL);
            } else {
                writeEntry(r >> 1, (long) value << 32, 0xffff_ffff_0000_0000L);
            }
        }

        void writeEntry(int pin, long value, long written) {
            long ro = table[pin] & 0x5000L;
            long e = (table[pin] & ~written) | (value & written);
            e = (e & ~0x5000L) | ro;
            if ((e >>> 15 & 1) == 0) e &= ~(1L << 14);
            table[pin] = e;
            service();
        }
    }
}
