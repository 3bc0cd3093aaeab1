package vdm.toolstack;

import java.util.List;
import java.util.function.Consumer;
import vdm.log.Level;
import vdm.log.LogRing;

/**
 * The toolstack's log: libxl's messages (what {@code xl} prints to stderr, "libxl: error: libxl_pci.c: ...") and the
 * device model's (QEMU's stderr, "[00:05.0] xen_pt_realize: ..."), each with its source, level and the result it
 * reports. Kept like the other layers' logs; the composition root merges it into its trace.
 */
public final class ToolstackLog {
    public enum Source { LIBXL, QEMU }

    /**
     * An error upstream prints on a healthy run, with why it is harmless: a failure the toolstack knows to expect
     * ({@code result}, a -errno) and the reason, for people.
     */
    public record Expected(int result, String why) {}

    /**
     * One line; {@code result} is the error it reports (a -errno, or -1 where the real line has none), else 0;
     * {@code expected} is set on an error upstream also prints on a healthy run (else null).
     */
    public record Line(Source source, Level level, String text, int result, Expected expected) {}

    /** The failure the toolstack's current call is known to end with, or null: see {@link #expecting}. */
    private final vdm.log.ExpectedCall<Expected> expecting = new vdm.log.ExpectedCall<>();

    public static final int CAPACITY = 8192;
    private final LogRing<Line> lines = new LogRing<>(CAPACITY);

    public void addListener(Consumer<Line> listener) {
        lines.addListener(listener);
    }

    public void info(Source source, String text) {
        lines.add(new Line(source, Level.INFO, text, 0, null));
    }

    /** A warning line (QEMU's XEN_PT_WARN): no result, but a trace marks it as a failure, as it marks errors. */
    public void warning(Source source, String text) {
        lines.add(new Line(source, Level.WARNING, text, 0, null));
    }

    public void error(Source source, String text, int result) {
        lines.add(new Line(source, Level.ERR, text, result, null));
    }

    /** An error line upstream prints on a healthy run too, marked with why. */
    public void expectedError(Source source, String text, Expected why) {
        lines.add(new Line(source, Level.ERR, text, why.result(), why));
    }

    /**
     * Runs one hypercall the toolstack knows may fail as {@code why} says, so that whoever merges the hypervisor's
     * reports with this log (the composition root's trace) can mark that failure, and what Xen logs for it, as
     * expected. Returns the call's result.
     */
    public int expecting(Expected why, java.util.function.IntSupplier call) {
        return expecting.run(why, call);
    }

    /** The expectation of the call under way, or null. */
    public Expected expectation() {
        return expecting.current();
    }

    public List<Line> lines() {
        return lines.entries();
    }

    public boolean contains(Source source, String text) {
        return lines.any(l -> l.source() == source && l.text().contains(text));
    }
}
