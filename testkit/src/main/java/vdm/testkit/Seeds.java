package vdm.testkit;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * The seeds of one randomized test class, so that every failure can be replayed.
 *
 * <p>By default (CI) a test runs the seeds it pins. {@code -Dvdm.seed=random} draws a fresh base seed, once per JVM
 * (one flag then replays the whole run of a module); {@code -Dvdm.seed=N} (decimal, or hex with {@code 0x}) uses N.
 * The seed in use is printed on stdout when a test class takes its {@code Seeds}, and {@link #describe(long)} names
 * it, with the flag that replays it, in failure messages.
 *
 * <p>A test with several cases takes them from {@link #cases(int)}: the pinned seeds first (then more, derived from
 * the first), or, when a seed was asked for, the base and the seeds derived from it by adding
 * {@link #GAMMA} (SplittableRandom's own increment): case {@code i} is {@code base + i * GAMMA}.
 */
public final class Seeds {
    /** The system property; Surefire passes it to the forked test JVM (root pom). */
    public static final String PROPERTY = "vdm.seed";
    /** The odd golden-ratio constant that spaces a test's case seeds. */
    public static final long GAMMA = 0x9e37_79b9_7f4a_7c15L;

    private final String test;
    private final long[] pinned;
    /** The requested base seed, or null when the pinned seeds run. */
    private final Long requested;
    /** How the requested seed came: "-Dvdm.seed=random" or "-Dvdm.seed=N". */
    private final String origin;

    private Seeds(String test, long[] pinned, Long requested, String origin) {
        this.test = test;
        this.pinned = pinned;
        this.requested = requested;
        this.origin = origin;
    }

    /**
     * The seeds of {@code test}: its {@code pinned} ones unless {@code -Dvdm.seed} asks for others. Prints which
     * seeds run on stdout. A malformed {@code -Dvdm.seed} is an {@link IllegalArgumentException} naming the value.
     */
    public static Seeds of(Class<?> test, long... pinned) {
        return of(test.getName(), System.getProperty(PROPERTY), System.out, pinned);
    }

    /** {@link #of(Class, long...)} with the property's value and the stream to print on given (for tests). */
    static Seeds of(String test, String property, PrintStream out, long... pinned) {
        if (pinned.length == 0) throw new IllegalArgumentException(test + ": pin at least one seed");
        String value = property == null ? "" : property.strip();
        Seeds seeds;
        if (value.isEmpty() || value.equalsIgnoreCase("pinned")) {
            seeds = new Seeds(test, pinned.clone(), null, null);
        } else if (value.equalsIgnoreCase("random")) {
            seeds = new Seeds(test, pinned.clone(), Drawn.BASE, "-D" + PROPERTY + "=random");
        } else {
            long n = parse(value);
            seeds = new Seeds(test, pinned.clone(), n, "-D" + PROPERTY + "=" + value);
        }
        out.println("[" + PROPERTY + "] " + test + ": " + seeds);
        return seeds;
    }

    /** One random base seed per JVM, so that a single flag replays every test class of the run. */
    private static final class Drawn {
        static final long BASE = new SplittableRandom().nextLong();
    }

    private static long parse(String value) {
        try {
            if (value.startsWith("0x") || value.startsWith("0X")) return Long.parseUnsignedLong(value.substring(2), 16);
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be 'random' or a number (decimal, or hex with "
                    + "0x), not '" + value + "'");
        }
    }

    /** Whether the pinned seeds run (no {@code -Dvdm.seed}). */
    public boolean pinned() {
        return requested == null;
    }

    /** The first case's seed: the first pinned seed, or the requested one. */
    public long base() {
        return requested == null ? pinned[0] : requested;
    }

    /** The pinned seeds' number of cases ({@link #cases(int)} with as many as were pinned). */
    public LongStream cases() {
        return cases(pinned.length);
    }

    /** {@code n} case seeds: the pinned ones (then derived from the first), or derived from the requested base. */
    public LongStream cases(int n) {
        if (n < 1) throw new IllegalArgumentException(test + ": ask for at least one case, not " + n);
        long base = base();
        return LongStream.range(0, n).map(i -> requested == null && i < pinned.length ? pinned[(int) i] : base + i * GAMMA);
    }

    /** The flag that replays this run: none for the pinned seeds, else {@code -Dvdm.seed=<base>}. */
    public String replay() {
        return requested == null ? "no flag (the pinned seeds run by default)" : "-D" + PROPERTY + "=" + requested;
    }

    /** For a failure message: {@code seed} and how to run it again. */
    public String describe(long seed) {
        if (requested == null) return "seed " + seed + " (pinned: a plain run replays it)";
        String of = seed == requested ? "" : ", a case of base " + requested;
        return "seed " + seed + " (" + origin + of + "; replay with " + replay() + ")";
    }

    @Override
    public String toString() {
        if (requested == null) {
            String list = Arrays.stream(pinned).mapToObj(Long::toString).collect(Collectors.joining(", "));
            return (pinned.length == 1 ? "pinned seed " : "pinned seeds ") + list + " (-D" + PROPERTY
                    + "=random draws a fresh one, -D" + PROPERTY + "=N runs N)";
        }
        return "seed " + requested + " (" + origin + "; replay with " + replay() + ")";
    }
}
