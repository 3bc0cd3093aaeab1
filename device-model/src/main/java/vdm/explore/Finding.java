package vdm.explore;

import java.util.List;
import vdm.system.Trace;

/**
 * What the explorer found: a failed operation or an invariant violation, with the shortest ordering that reaches it
 * from boot (breadth first, so no shorter one exists) and the trace of that ordering's replay.
 */
public record Finding(String kind, String message, List<Op> ordering, List<Trace.Event> trace) {
    /** The ordering as a replayable scenario file (JSON). */
    public String scenarioFile(String preset, String dom0, String device) {
        StringBuilder ops = new StringBuilder();
        for (Op o : ordering) ops.append(ops.isEmpty() ? "" : ", ").append('"').append(o.label()).append('"');
        return "{\"format\": \"vdm-explore/1\", \"preset\": \"" + preset + "\", \"dom0\": \"" + dom0 + "\", \"device\": \""
                + device + "\", \"ops\": [" + ops + "], \"finding\": \"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n";
    }

    public String orderingText() {
        return String.join(" -> ", ordering.stream().map(Op::label).toList());
    }
}
