package vdm.dom0;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** dom0's kernel log (dmesg): lines as dev_info/dev_err print them, e.g. "pciback 0000:03:00.0: seizing device". */
public final class KernelLog {
    public enum Level { ERR, WARNING, INFO, DEBUG }

    public record Line(Level level, String text) {}

    /** Like the kernel's log buffer, only the newest lines are kept. */
    public static final int CAPACITY = 8192;
    private final java.util.ArrayDeque<Line> lines = new java.util.ArrayDeque<>();
    private final List<Consumer<Line>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public void addListener(Consumer<Line> l) {
        listeners.add(l);
    }

    public synchronized void log(Level level, String text) {
        Line line = new Line(level, text);
        if (lines.size() == CAPACITY) lines.removeFirst();
        lines.addLast(line);
        for (var l : listeners) l.accept(line);
    }

    public void info(String format, Object... args) { log(Level.INFO, String.format(format, args)); }
    public void err(String format, Object... args) { log(Level.ERR, String.format(format, args)); }
    public void debug(String format, Object... args) { log(Level.DEBUG, String.format(format, args)); }

    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    public synchronized boolean contains(String text) {
        return lines.stream().anyMatch(l -> l.text().contains(text));
    }
}
