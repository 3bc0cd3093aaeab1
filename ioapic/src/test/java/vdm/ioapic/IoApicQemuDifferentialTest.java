package vdm.ioapic;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.testkit.QemuVersion;
import vdm.testkit.Qtest;
import vdm.testkit.Seeds;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Drives QEMU 7.2's IO-APIC (q35, {@code /machine/q35/ioapic}, checked live with qom-list) through qtest and a vdm
 * {@link IoApic} (24 pins) with the same seeded random sequence of MMIO writes, input changes and EOIs, and compares
 * every read, remote IRR and delivery status included, plus a sweep of every register now and then.
 *
 * <p>QEMU's {@code ioapic_set_irq} routes input 0 to pin 2 (the ISA IRQ0 override) and input n to pin n otherwise;
 * vdm gets the same input through {@link GsiSpace} (ISA IRQ n below 16, GSI n above), whose default override does the
 * same. Known divergence kept out of the sequence: QEMU compares the whole EOI register value with the vector, the
 * ICH IOxAPIC datasheet (and vdm) only bits 7..0, so EOI values written here stay within 0..255.
 *
 * <p>What QEMU answers is 7.2's (Debian bookworm's qemu-system-x86): another series fails at the start, naming both
 * versions. Pinned seeds by default; -Dvdm.seed=random or =N for others ({@link Seeds}).
 */
class IoApicQemuDifferentialTest {
    private static final long BASE = 0xFEC0_0000L;
    private static final String IOAPIC = "/machine/q35/ioapic";
    private static final int PINS = 24;
    private static final int OPS = 2000;
    private static final int SWEEP_EVERY = 64;
    private static final int[] VECTORS = {0x30, 0x31, 0x32, 0x33, 0x34};
    private static final Seeds SEEDS = Seeds.of(IoApicQemuDifferentialTest.class, 20251, 77, 4242);
    /** The IO-APIC version of each case, in the order of the seeds: QEMU's default 0x20, and 0x11. */
    private static final String[] VERSIONS = {"20", "20", "11"};

    @BeforeAll
    static void requireTheQemuTheTestWasWrittenAgainst() {
        QemuVersion.requireInstalled(QemuVersion.BOOKWORM);
    }

    static Stream<Arguments> cases() {
        long[] seeds = SEEDS.cases(VERSIONS.length).toArray();
        return IntStream.range(0, VERSIONS.length).mapToObj(i -> Arguments.of(seeds[i], VERSIONS[i]));
    }

    @ParameterizedTest(name = "seed {0}, version 0x{1}")
    @MethodSource("cases")
    void vdmReadsWhatQemuReadsAfterTheSameRandomSequence(long seed, String versionHex) throws Exception {
        int version = Integer.parseInt(versionHex, 16);
        String[] extra = version == 0x11 ? new String[] {"-global", "ioapic.version=0x11"} : new String[0];
        RecordingSink sink = new RecordingSink(0);
        IoApic vdm = IoApic.builder().pins(PINS).version(version).sink(sink).build();
        GsiSpace space = GsiSpace.of(vdm);
        SplittableRandom rnd = new SplittableRandom(seed);
        Deque<String> trail = new ArrayDeque<>();
        try (Qtest qemu = Qtest.start("q35", extra)) {
            Run run = new Run(qemu, vdm, space, rnd, trail, seed);
            run.sweep(-1);
            for (int op = 0; op < OPS; op++) {
                run.step(op);
                if (op % SWEEP_EVERY == SWEEP_EVERY - 1) run.sweep(op);
            }
            run.sweep(OPS);
        }
        if (sink.count() == 0) fail(SEEDS.describe(seed) + ": the sequence never delivered an interrupt; it tests little");
    }

    private static final class Run {
        private final Qtest qemu;
        private final IoApic vdm;
        private final GsiSpace space;
        private final SplittableRandom rnd;
        private final Deque<String> trail;
        private final long seed;
        /** The selector as the sequence last wrote it, to pick dword values that fit the register. */
        private int selector;

        Run(Qtest qemu, IoApic vdm, GsiSpace space, SplittableRandom rnd, Deque<String> trail, long seed) {
            this.qemu = qemu;
            this.vdm = vdm;
            this.space = space;
            this.rnd = rnd;
            this.trail = trail;
            this.seed = seed;
        }

        void step(int op) {
            int kind = rnd.nextInt(100);
            if (kind < 20) {
                selectRegister();
            } else if (kind < 45) {
                writeWindow();
            } else if (kind < 75) {
                setInput();
            } else if (kind < 83) {
                writeEoi();
            } else {
                readSomething(op);
            }
        }

        private void selectRegister() {
            int r = rnd.nextInt(100);
            int value;
            if (r < 80) {
                value = IoApic.REG_REDIRECTION_BASE + rnd.nextInt(2 * PINS);
            } else if (r < 90) {
                value = rnd.nextInt(3);
            } else {
                value = rnd.nextInt(); // only bits 7..0 stick
            }
            int size = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(2) : 4;
            write(IoApic.IOREGSEL, size, value);
            selector = vdm.selector();
        }

        private void writeWindow() {
            int size = rnd.nextInt(12) == 0 ? 1 + rnd.nextInt(2) : 4;
            int value;
            int r = selector - IoApic.REG_REDIRECTION_BASE;
            if (r >= 0 && (r & 1) == 0) {
                value = lowDword();
            } else if (r >= 0) {
                value = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(4) << 24;
            } else {
                value = rnd.nextInt();
            }
            write(IoApic.IOWIN, size, value);
        }

        /** A low dword biased towards the interesting states: few vectors, level and edge, masked and not. */
        private int lowDword() {
            int v = rnd.nextInt(10) == 0 ? rnd.nextInt(256) : VECTORS[rnd.nextInt(VECTORS.length)];
            int mode = rnd.nextInt(10) == 0 ? rnd.nextInt(8) : 0;
            int value = v | mode << 8;
            if (rnd.nextBoolean()) value |= 1 << 11;
            if (rnd.nextBoolean()) value |= 1 << 13;
            if (rnd.nextInt(5) < 3) value |= 1 << 15; // level
            if (rnd.nextInt(5) < 2) value |= 1 << 16; // masked
            if (rnd.nextInt(10) == 0) value |= rnd.nextInt() & 0xfffe_0000; // reserved bits
            if (rnd.nextInt(5) == 0) value |= rnd.nextInt() & 0x5000; // read-only bits: ignored
            return value;
        }

        private void setInput() {
            int input = rnd.nextInt(PINS);
            int level = rnd.nextInt(100) < 55 ? 1 : 0;
            note(String.format("set_irq_in %d %d", input, level));
            qemu.setIrqIn(IOAPIC, "unnamed-gpio-in", input, level);
            if (input < GsiSpace.ISA_IRQS) {
                space.setIsaIrq(input, level == 1);
            } else {
                space.setGsi(input, level == 1);
            }
        }

        private void writeEoi() {
            int vector = rnd.nextInt(8) == 0 ? rnd.nextInt(256) : VECTORS[rnd.nextInt(VECTORS.length)];
            write(IoApic.EOI, rnd.nextInt(10) == 0 ? 2 : 4, vector);
        }

        private void readSomething(int op) {
            int r = rnd.nextInt(10);
            int offset = r < 6 ? IoApic.IOWIN : r < 8 ? IoApic.IOREGSEL : r < 9 ? IoApic.EOI : 0x20;
            int size = rnd.nextInt(4) == 0 ? 1 << rnd.nextInt(2) : 4;
            compare(op, offset, size);
        }

        /** Every register through the window, then the selector put back as it was. */
        void sweep(int op) {
            int saved = vdm.selector();
            for (int index = 0; index < IoApic.REG_REDIRECTION_BASE + 2 * PINS + 2; index++) {
                if (index > 3 && index < IoApic.REG_REDIRECTION_BASE - 1) continue;
                write(IoApic.IOREGSEL, 4, index);
                compare(op, IoApic.IOWIN, 4);
            }
            write(IoApic.IOREGSEL, 4, saved);
            compare(op, IoApic.IOREGSEL, 4);
        }

        private void write(int offset, int size, int value) {
            note(String.format("write%d 0x%02x 0x%x", size, offset, value));
            long addr = BASE + offset;
            switch (size) {
                case 1 -> qemu.writeb(addr, value);
                case 2 -> qemu.writew(addr, value);
                default -> qemu.writel(addr, value);
            }
            vdm.write(offset, size, value);
        }

        private void compare(int op, int offset, int size) {
            long addr = BASE + offset;
            int expected = switch (size) {
                case 1 -> qemu.readb(addr);
                case 2 -> qemu.readw(addr);
                default -> qemu.readl(addr);
            };
            int actual = vdm.read(offset, size);
            note(String.format("read%d 0x%02x (selector 0x%02x) -> qemu 0x%x vdm 0x%x", size, offset,
                    vdm.selector(), expected, actual));
            if (expected != actual) {
                fail(String.format("%s, op %d: read%d at 0x%02x with selector 0x%02x: QEMU 0x%08x, vdm 0x%08x%n"
                                + "last operations:%n  %s", SEEDS.describe(seed), op, size, offset, vdm.selector(), expected, actual,
                        String.join("\n  ", trail)));
            }
        }

        private void note(String s) {
            trail.addLast(s);
            if (trail.size() > 40) trail.removeFirst();
        }
    }
}
