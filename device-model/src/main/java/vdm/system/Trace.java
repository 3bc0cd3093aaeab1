package vdm.system;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Predicate;

/**
 * Everything a passthrough flow did, in order: steps with their verdicts, hypercalls with arguments and results, and
 * the log lines of Xen, the dom0 kernel, libxl and QEMU with their real texts. Written as JSON lines by
 * {@code vdm.persist.TraceJson}. A trace keeps every event unless {@link #keepNewest bounded}: then it is a ring of
 * the newest events, as a long-running served model needs (its events' {@code seq} still counts every event).
 */
public final class Trace {
    public enum Source { STEP, HYPERCALL, XEN, KERNEL, LIBXL, QEMU, GUEST, INVARIANT }

    /** {@code EXPECTED}: an error upstream also reports on a healthy run; the event's detail says why. */
    public enum Verdict { OK, FAILED, INFO, EXPECTED }

    /** One event; {@code detail} holds a hypercall's arguments or a step's argument summary. */
    public record Event(long seq, Source source, Verdict verdict, String step, String message, String detail, int result) {}

    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private final boolean recording;
    private int capacity = Integer.MAX_VALUE;
    private long seq;
    private String step = "";

    /** A trace that records. */
    public Trace() {
        this(true);
    }

    /** @param recording false makes every add a no-op (benchmarks, long soaks) */
    public Trace(boolean recording) {
        this.recording = recording;
    }

    public boolean recording() {
        return recording;
    }

    /**
     * From now on keeps only the newest {@code capacity} events (dropping the oldest first, now if there are more);
     * {@code vdm serve} bounds its model's trace so, since nothing reads a served trace whole.
     */
    public synchronized void keepNewest(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("trace capacity " + capacity + " must be at least 1");
        this.capacity = capacity;
        while (events.size() > capacity) events.removeFirst();
    }

    /** How many events the trace keeps at most ({@link Integer#MAX_VALUE}: all). */
    public synchronized int capacity() {
        return capacity;
    }

    /** Subsequent events belong to this step. */
    public synchronized void step(String name) {
        this.step = name;
    }

    public synchronized String currentStep() {
        return step;
    }

    public synchronized Event add(Source source, Verdict verdict, String message, String detail, int result) {
        if (!recording) return null;
        Event e = new Event(++seq, source, verdict, step, message, detail == null ? "" : detail, result);
        if (events.size() == capacity) events.removeFirst();
        events.addLast(e);
        return e;
    }

    public Event log(Source source, String message) {
        return add(source, Verdict.INFO, message, "", 0);
    }

    public Event error(Source source, String message, int result) {
        return add(source, Verdict.FAILED, message, "", result);
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized List<Event> matching(Predicate<Event> p) {
        return events.stream().filter(p).toList();
    }

    public synchronized boolean contains(Source source, String text) {
        return events.stream().anyMatch(e -> e.source() == source && e.message().contains(text));
    }
}
