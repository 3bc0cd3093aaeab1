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

    /** One line; {@code result} is the error it reports (a -errno, or -1 where the real line has none), else 0. */
    public record Line(Source source, Level level, String text, int result) {}

    public static final int CAPACITY = 8192;
    private final LogRing<Line> lines = new LogRing<>(CAPACITY);

    public void addListener(Consumer<Line> listener) {
        lines.addListener(listener);
    }

    public void info(Source source, String text) {
        lines.add(new Line(source, Level.INFO, text, 0));
    }

    public void error(Source source, String text, int result) {
        lines.add(new Line(source, Level.ERR, text, result));
    }

    public List<Line> lines() {
        return lines.entries();
    }

    public boolean contains(Source source, String text) {
        return lines.any(l -> l.source() == source && l.text().contains(text));
    }
}
