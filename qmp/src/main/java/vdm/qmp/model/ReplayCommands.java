package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.errno.Errno;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.replay.FailureLibrary;
import vdm.replay.KnownFailure;
import vdm.replay.Replay;
import vdm.system.Trace;

/**
 * The failure library over QMP ({@code vdm replay}'s twin): the entries, and one replayed with its fix off or on in a
 * fresh model of its own host (the served model is not touched).
 */
final class ReplayCommands {
    private ReplayCommands() {}

    static void register(CommandRegistry registry) {
        registry.register(QmpCommand.of("x-vdm-replay-list", "The failure library: every entry's name, source, summary and failing step",
                ArgumentSchema.NONE, Execution.MODEL, call -> list()));
        registry.register(QmpCommand.of("x-vdm-replay", "Replays a failure of the library with its fix off (or on: fixed); returns steps and verdict",
                ArgumentSchema.of(Arg.required("name", ArgType.STRING, "the entry, as x-vdm-replay-list names it"),
                        Arg.optional("fixed", ArgType.BOOLEAN, "replay with the fix on (default false)")),
                Execution.MODEL, ReplayCommands::replay));
    }

    private static JsonNode list() {
        ArrayNode out = PassthroughCommands.JSON.arrayNode();
        for (KnownFailure f : FailureLibrary.all()) facts(out.addObject(), f);
        return out;
    }

    private static ObjectNode facts(ObjectNode o, KnownFailure f) {
        o.put("name", f.name()).put("source", f.source()).put("summary", f.summary()).put("host", f.host().name())
                .put("device", f.device().toString()).put("dom0", f.dom0().name().toLowerCase()).put("fix", f.fix().label());
        ObjectNode x = o.putObject("fails");
        x.put("step", f.expect().step().label()).put("text", f.expect().text());
        if (f.expect().errno() != 0) x.put("errno", errno(f.expect().errno()));
        return o;
    }

    private static JsonNode replay(CommandCall call) throws QmpError {
        KnownFailure f;
        try {
            f = FailureLibrary.named(call.arguments().string("name"));
        } catch (IllegalArgumentException e) {
            throw QmpError.generic(e.getMessage());
        }
        boolean fixed = call.arguments().bool("fixed", false);
        Replay.Result r = Replay.run(f, fixed);
        ObjectNode out = facts(PassthroughCommands.JSON.objectNode(), f);
        out.put("fixed", fixed).put("fixes", (fixed ? f.fixed() : f.broken()).toString());
        ArrayNode steps = out.putArray("steps");
        for (Replay.Step s : r.steps()) {
            steps.addObject().put("step", s.op().label()).put("verdict", s.verdict().name().toLowerCase()).put("summary", s.summary());
        }
        ArrayNode trace = out.putArray("trace");
        for (Trace.Event e : r.trace().events()) {
            trace.addObject().put("seq", e.seq()).put("source", e.source().name().toLowerCase()).put("step", e.step())
                    .put("verdict", e.verdict().name().toLowerCase()).put("message", e.message()).put("detail", e.detail())
                    .put("result", e.result());
        }
        // reproduced: the failure showed as named (fix off); clean: nothing failed (fix on); exit: vdm replay's status
        out.put("reproduced", r.reproduced()).put("clean", r.clean()).put("exit", r.exitCode()).put("verdict", r.verdict());
        return out;
    }

    /** "EPERM" for 1, as the entry names it; a number this table does not know, as a number. */
    private static String errno(int errno) {
        String symbol = Errno.symbol(errno);
        return symbol == null ? Integer.toString(errno) : symbol;
    }
}
