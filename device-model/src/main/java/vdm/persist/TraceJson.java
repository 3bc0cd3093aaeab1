package vdm.persist;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.List;
import java.util.Locale;
import vdm.system.Trace;

/**
 * A trace as JSON lines, one object per event: {@code {"seq":1,"source":"step","verdict":"ok","step":"boot",
 * "message":"...","detail":"","result":0}}, source and verdict in lower case.
 */
public final class TraceJson {
    private static final ObjectWriter LINE = new ObjectMapper().writerFor(Line.class);

    private TraceJson() {}

    /** One event's members, in the order they are written. */
    record Line(long seq, String source, String verdict, String step, String message, String detail, int result) {}

    /** The event as one JSON object, without a newline. */
    public static String line(Trace.Event e) {
        Line l = new Line(e.seq(), e.source().name().toLowerCase(Locale.ROOT), e.verdict().name().toLowerCase(Locale.ROOT),
                e.step(), e.message(), e.detail(), e.result());
        try {
            return LINE.writeValueAsString(l);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException("a trace event did not serialize: " + x.getOriginalMessage(), x);
        }
    }

    /** Every event of the trace, in order, each on its own line. */
    public static String lines(Trace trace) {
        return lines(trace.events());
    }

    public static String lines(List<Trace.Event> events) {
        StringBuilder sb = new StringBuilder();
        for (Trace.Event e : events) sb.append(line(e)).append('\n');
        return sb.toString();
    }
}
