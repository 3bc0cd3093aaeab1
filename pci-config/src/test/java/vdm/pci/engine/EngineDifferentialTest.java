package vdm.pci.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.pci.ConfigAccessException;
import vdm.pci.Effects;
import vdm.pci.Mode;
import vdm.pci.ResetKind;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.layout.Layout;
import vdm.testkit.Seeds;

/**
 * The three engines must agree bit for bit: a million random accesses per catalog device and mode (all sizes,
 * aligned and not, in and out of range, pokes and resets now and then), comparing every result, every effect,
 * every error and the final bytes. Pinned seeds by default; the seed is printed at the start and on failure, with
 * the -Dvdm.seed flag that replays it ({@link Seeds}).
 */
class EngineDifferentialTest {
    private static final int ACCESSES = Integer.getInteger("vdm.accesses", 1_000_000);
    /** Each case's seed is the base XOR its device and mode. */
    private static final Seeds SEEDS = Seeds.of(EngineDifferentialTest.class, 1);

    static Stream<Arguments> devices() {
        long base = SEEDS.base();
        return DeviceCatalog.names().stream().flatMap(n -> Stream.of(Mode.values())
                .map(m -> Arguments.of(n, m, base ^ (n.hashCode() * 31L + m.ordinal()))));
    }

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @MethodSource("devices")
    void referenceTableAndCompiledEnginesAgreeOnAMillionRandomAccesses(String device, Mode mode, long seed) {
        Layout layout = DeviceCatalog.layout(device, mode);
        ConfigSpace ref = Engine.REFERENCE.create(layout);
        ConfigSpace table = Engine.TABLE.create(layout);
        ConfigSpace compiled = Engine.COMPILED.create(layout);
        SplittableRandom rnd = new SplittableRandom(seed);
        int step = 0;
        try {
            for (step = 0; step < ACCESSES; step++) {
                int kind = rnd.nextInt(100);
                int size = switch (rnd.nextInt(7)) {
                    case 0 -> 1 + rnd.nextInt(8); // mostly invalid sizes
                    case 1, 2 -> 1;
                    case 3, 4 -> 2;
                    default -> 4;
                };
                int offset = offset(rnd, layout.size(), size);
                int value = rnd.nextInt(4) == 0 ? -1 : rnd.nextInt();
                if (kind < 45) {
                    compare(step, "read", () -> ref.read(offset, size), () -> table.read(offset, size), () -> compiled.read(offset, size));
                } else if (kind < 97) {
                    compare(step, "write", () -> ref.write(offset, size, value), () -> table.write(offset, size, value),
                            () -> compiled.write(offset, size, value));
                } else if (kind < 99) {
                    compare(step, "poke", () -> { ref.poke(offset, size, value); return 0; },
                            () -> { table.poke(offset, size, value); return 0; },
                            () -> { compiled.poke(offset, size, value); return 0; });
                } else {
                    ResetKind r = ResetKind.values()[rnd.nextInt(ResetKind.values().length)];
                    ref.reset(r);
                    table.reset(r);
                    compiled.reset(r);
                }
            }
            assertArrayEquals(ref.bytes(), table.bytes(), "table engine final state");
            assertArrayEquals(ref.bytes(), compiled.bytes(), "compiled engine final state");
        } catch (AssertionError e) {
            fail(String.format("%s (%s) diverged at step %d with %s%nreference: %s%ncompiled:  %s", device, mode, step,
                    SEEDS.describe(seed),
                    HexFormat.of().formatHex(ref.bytes(), 0, 64), HexFormat.of().formatHex(compiled.bytes(), 0, 64)), e);
        }
    }

    /** Mostly aligned offsets in range, some misaligned, some beyond the device, some negative or past 4095. */
    private static int offset(SplittableRandom rnd, int deviceSize, int size) {
        int r = rnd.nextInt(100);
        int o;
        if (r < 70) o = rnd.nextInt(Math.min(deviceSize, 0x200));
        else if (r < 90) o = rnd.nextInt(4096);
        else if (r < 95) o = rnd.nextInt(-8, 0);
        else o = 4096 + rnd.nextInt(16);
        if (rnd.nextInt(20) != 0 && size > 0 && size <= 4 && Integer.bitCount(size) == 1) o &= ~(size - 1);
        return o;
    }

    private interface Op {
        int run();
    }

    private static void compare(int step, String what, Op ref, Op table, Op compiled) {
        String a = outcome(ref), b = outcome(table), c = outcome(compiled);
        if (!a.equals(b) || !a.equals(c)) {
            throw new AssertionError(String.format("step %d %s: reference %s, table %s, compiled %s", step, what, a, b, c));
        }
    }

    private static String outcome(Op op) {
        try {
            int v = op.run();
            return String.format("0x%08x (%s)", v, Effects.describe(v));
        } catch (ConfigAccessException e) {
            return "error: " + e.getMessage();
        }
    }
}
