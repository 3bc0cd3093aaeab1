package vdm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.errno.Errno;
import vdm.persist.TraceJson;
import vdm.replay.KnownFailure;
import vdm.replay.Replay;
import vdm.system.Trace;

/**
 * {@code vdm replay NAME --json}: JSON lines as {@code vdm scenario --json} prints them. First the entry's facts
 * ({@code {"replay": NAME, "source", "summary", "host", "device", "dom0", "fix", "fixed", "fixes", "fails": {step,
 * text, errno?}}}), then one {@code {"step", "verdict", "summary"}} per operation of the ordering, then every trace
 * event ({@link TraceJson}'s lines), then {@code {"verdict", "reproduced", "clean", "exit"}}.
 */
final class ReplayJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReplayJson() {}

    static String lines(Replay.Result r) {
        KnownFailure f = r.failure();
        StringBuilder sb = new StringBuilder();
        ObjectNode head = JSON.createObjectNode().put("replay", f.name()).put("source", f.source()).put("summary", f.summary())
                .put("host", f.host().name()).put("device", f.device().toString()).put("dom0", f.dom0().name().toLowerCase())
                .put("fix", f.fix().label()).put("fixed", r.fixed()).put("fixes", (r.fixed() ? f.fixed() : f.broken()).toString());
        ObjectNode x = head.putObject("fails").put("step", f.expect().step().label()).put("text", f.expect().text());
        if (f.expect().errno() != 0) x.put("errno", errno(f.expect().errno()));
        line(sb, head);
        for (Replay.Step s : r.steps()) {
            line(sb, JSON.createObjectNode().put("step", s.op().label()).put("verdict", s.verdict().name().toLowerCase())
                    .put("summary", s.summary()));
        }
        for (Trace.Event e : r.trace().events()) sb.append(TraceJson.line(e)).append('\n');
        line(sb, JSON.createObjectNode().put("verdict", r.verdict()).put("reproduced", r.reproduced()).put("clean", r.clean())
                .put("exit", r.exitCode()));
        return sb.toString();
    }

    private static void line(StringBuilder sb, ObjectNode o) {
        try {
            sb.append(JSON.writeValueAsString(o)).append('\n');
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a replay line did not serialize: " + e.getOriginalMessage(), e);
        }
    }

    /** "EPERM" for 1, as the entry names it; a number this table does not know, as a number. */
    private static String errno(int errno) {
        String symbol = Errno.symbol(errno);
        return symbol == null ? Integer.toString(errno) : symbol;
    }
}
