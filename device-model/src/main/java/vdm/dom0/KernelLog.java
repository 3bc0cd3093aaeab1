package vdm.dom0;

import java.util.List;
import java.util.function.Consumer;
import vdm.log.Level;
import vdm.log.LogRing;

/** dom0's kernel log (dmesg): lines as dev_info/dev_err print them, e.g. "pciback 0000:03:00.0: seizing device". */
public final class KernelLog {
    public record Line(Level level, String text) {}

    /** Like the kernel's log buffer, only the newest lines are kept. */
    public static final int CAPACITY = 8192;
    private final LogRing<Line> lines = new LogRing<>(CAPACITY);

    public void addListener(Consumer<Line> l) {
        lines.addListener(l);
    }

    public void log(Level level, String text) {
        lines.add(new Line(level, text));
    }

    public void info(String format, Object... args) { log(Level.INFO, String.format(format, args)); }
    public void warn(String format, Object... args) { log(Level.WARNING, String.format(format, args)); }
    public void err(String format, Object... args) { log(Level.ERR, String.format(format, args)); }
    public void debug(String format, Object... args) { log(Level.DEBUG, String.format(format, args)); }

    /** A result the kernel's current call into Xen is known to end with, and why (see {@link #expecting}). */
    public record Expected(int result, String why) {}

    private final vdm.log.ExpectedCall<Expected> expecting = new vdm.log.ExpectedCall<>();

    /**
     * Runs {@code call} (a hypercall the kernel makes) known to return {@code why.result()} when it fails the way the
     * kernel treats as success (pciback's setup_gsi of a GSI already set up, -EEXIST), so that whoever traces the
     * hypercalls can mark that answer expected rather than failed.
     */
    public int expecting(Expected why, java.util.function.IntSupplier call) {
        return expecting.run(why, call);
    }

    /** The expectation of the call running now, or null. */
    public Expected expectation() {
        return expecting.current();
    }

    public List<Line> lines() {
        return lines.entries();
    }

    public boolean contains(String text) {
        return lines.any(l -> l.text().contains(text));
    }
}
