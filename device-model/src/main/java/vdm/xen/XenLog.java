package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Xen's console ring as structured events: time order, domain (or -1 for Xen itself), level and the exact message
 * text. {@link #dmesg()} prints it as {@code xl dmesg} does ({@code (XEN) [   0.000042] d0v0 message}).
 */
public final class XenLog {
    public enum Level { ERR, WARNING, INFO, DEBUG }

    /** One console line; {@code sequence} orders events, {@code micros} is model time. */
    public record Event(long sequence, long micros, int domain, int vcpu, Level level, String message) {
        /** As the console prints it; gprintk's "dNvM " prefix when a vCPU is known. */
        public String line() {
            String who = domain >= 0 ? "d" + domain + "v" + Math.max(vcpu, 0) + " " : "";
            return String.format("(XEN) [%4d.%06d] %s%s", micros / 1_000_000, micros % 1_000_000, who, message);
        }
    }

    /** Like Xen's console ring (conring), the log keeps the newest lines only. */
    public static final int CAPACITY = 8192;
    private final java.util.ArrayDeque<Event> events = new java.util.ArrayDeque<>();
    private final AtomicLong sequence = new AtomicLong();
    private final List<java.util.function.Consumer<Event>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Told of every line as it is logged (traces merge the console into their own order). */
    public void addListener(java.util.function.Consumer<Event> listener) {
        listeners.add(listener);
    }

    /** Records a line; {@code domain} -1 means Xen itself (printk rather than gprintk). */
    public synchronized Event log(int domain, Level level, String message) {
        long seq = sequence.incrementAndGet();
        Event e = new Event(seq, seq * 17, domain, domain >= 0 ? 0 : -1, level, message);
        if (events.size() == CAPACITY) events.removeFirst();
        events.addLast(e);
        for (var l : listeners) l.accept(e);
        return e;
    }

    public Event warn(int domain, String format, Object... args) {
        return log(domain, Level.WARNING, String.format(format, args));
    }

    public Event info(int domain, String format, Object... args) {
        return log(domain, Level.INFO, String.format(format, args));
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized List<Event> matching(Predicate<Event> p) {
        return events.stream().filter(p).toList();
    }

    /** True if some line contains {@code text}. */
    public synchronized boolean contains(String text) {
        return events.stream().anyMatch(e -> e.message().contains(text));
    }

    public synchronized String dmesg() {
        StringBuilder sb = new StringBuilder();
        for (Event e : events) sb.append(e.line()).append('\n');
        return sb.toString();
    }

    public synchronized int size() {
        return events.size();
    }
}
