package vdm.explore;

import java.io.PrintWriter;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The progress line of a long search: states explored, their rate, distinct states, the level, the frontier left and
 * the findings so far, at most once an interval. The clock and the interval are given, so a test can drive it without
 * waiting; the rate is over the interval since the last line (the JIT's warm-up and a resumed search's earlier states
 * do not drag it).
 */
public final class Progress {
    public static final Progress NONE = new Progress(line -> {}, () -> 0, Long.MAX_VALUE);

    private final Consumer<String> sink;
    private final LongSupplier clock;
    private final long interval;
    private long last = Long.MIN_VALUE, lastStates;

    /**
     * @param sink          where each line goes
     * @param clock         nanoseconds, monotonic
     * @param intervalNanos the least time between two lines
     */
    public Progress(Consumer<String> sink, LongSupplier clock, long intervalNanos) {
        this.sink = sink;
        this.clock = clock;
        this.interval = intervalNanos;
    }

    /** A line a second on {@code err}, flushed. */
    public static Progress everySecond(PrintWriter err) {
        return new Progress(line -> {
            err.println(line);
            err.flush();
        }, System::nanoTime, 1_000_000_000L);
    }

    /** Called after each node; prints a line if the interval has passed since the last. */
    void tick(long states, long distinct, int level, int depth, long frontierLeft, int findings, long bytes) {
        if (this == NONE) return;
        long now = clock.getAsLong();
        if (last == Long.MIN_VALUE) {
            last = now;
            lastStates = states;
            return;
        }
        if (now - last < interval) return;
        double rate = now == last ? 0 : (states - lastStates) * 1e9 / (now - last);
        last = now;
        lastStates = states;
        sink.accept(String.format("explore: %d states (%d distinct), %.0f states/s, level %d of %d, frontier %d left, %d findings, %.1f MiB stored",
                states, distinct, rate, level + 1, depth, frontierLeft, findings, bytes / 1048576.0));
    }
}
