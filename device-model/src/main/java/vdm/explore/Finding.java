package vdm.explore;

import java.util.List;
import vdm.system.Trace;

/**
 * What the explorer found: a failed operation or an invariant violation, with the shortest ordering that reaches it
 * from boot (breadth first, so no shorter one exists) and the trace of that ordering's replay. The file that replays
 * it is {@code vdm.persist.ScenarioFile}.
 */
public record Finding(String kind, String message, List<Op> ordering, List<Trace.Event> trace) {
    public String orderingText() {
        return String.join(" -> ", ordering.stream().map(Op::label).toList());
    }
}
