package vdm.xen;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import vdm.log.Level;
import vdm.log.LogRing;

/**
 * Xen's console ring as structured events: time order, domain (or -1 for Xen itself), level and the exact message
 * text. {@link #dmesg()} prints it as {@code xl dmesg} does ({@code (XEN) [   0.000042] d0v0 message}).
 */
public final class XenLog {
    /**
     * One console line; {@code sequence} orders events, {@code micros} is model time. {@code fixedUp} is empty, or,
     * for a warning about a state Xen then put right itself (pdev_msi_init's "..., fixing"), why that is no failure:
     * a trace marks such a line EXPECTED.
     */
    public record Event(long sequence, long micros, int domain, int vcpu, Level level, String message, String fixedUp) {
        /** As the console prints it; gprintk's "dNvM " prefix when a vCPU is known. */
        public String line() {
            String who = domain >= 0 ? "d" + domain + "v" + Math.max(vcpu, 0) + " " : "";
            return String.format("(XEN) [%4d.%06d] %s%s", micros / 1_000_000, micros % 1_000_000, who, message);
        }
    }

    /** Like Xen's console ring (conring), the log keeps the newest lines only. */
    public static final int CAPACITY = 8192;
    private final LogRing<Event> events = new LogRing<>(CAPACITY);
    private final AtomicLong sequence = new AtomicLong();

    /** Told of every line as it is logged (traces merge the console into their own order). */
    public void addListener(Consumer<Event> listener) {
        events.addListener(listener);
    }

    /** Records a line; {@code domain} -1 means Xen itself (printk rather than gprintk). */
    public Event log(int domain, Level level, String message) {
        return log(domain, level, message, "");
    }

    private Event log(int domain, Level level, String message, String fixedUp) {
        long seq = sequence.incrementAndGet();
        return events.add(new Event(seq, seq * 17, domain, domain >= 0 ? 0 : -1, level, message, fixedUp));
    }

    /** A warning about a state Xen fixes as it prints it; {@code why} says what it fixed (see {@link Event#fixedUp}). */
    public Event warnFixedUp(String why, int domain, String format, Object... args) {
        if (why == null || why.isBlank()) throw new IllegalArgumentException("a fixed-up warning needs what was fixed");
        return log(domain, Level.WARNING, String.format(format, args), why);
    }

    public Event warn(int domain, String format, Object... args) {
        return log(domain, Level.WARNING, String.format(format, args));
    }

    public Event info(int domain, String format, Object... args) {
        return log(domain, Level.INFO, String.format(format, args));
    }

    public List<Event> events() {
        return events.entries();
    }

    public List<Event> matching(Predicate<Event> p) {
        return events.matching(p);
    }

    /** True if some line contains {@code text}. */
    public boolean contains(String text) {
        return events.any(e -> e.message().contains(text));
    }

    public String dmesg() {
        StringBuilder sb = new StringBuilder();
        for (Event e : events.entries()) sb.append(e.line()).append('\n');
        return sb.toString();
    }

    public int size() {
        return events.size();
    }
}
