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

    public List<Line> lines() {
        return lines.entries();
    }

    public boolean contains(String text) {
        return lines.any(l -> l.text().contains(text));
    }
}
