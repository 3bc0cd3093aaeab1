package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The commands every vdm QMP server has, with QEMU 7.2's replies. */
public final class CoreCommands {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The capabilities vdm offers in its greeting: none (QEMU offers "oob"). */
    static final String[] CAPABILITIES = {};

    private CoreCommands() {}

    public static void registerAll(CommandRegistry r) {
        registerAll(r, true);
    }

    /** Without {@code quit} when {@code withQuit} is false: one domain's QEMU socket must not stop the whole server. */
    public static void registerAll(CommandRegistry r, boolean withQuit) {
        r.register(QmpCommand.of("qmp_capabilities", "Leave capabilities negotiation mode (required first).",
                ArgumentSchema.of(Arg.optional("enable", ArgType.listOf(ArgType.oneOf("QMPCapability", "oob")),
                        "capabilities to enable; vdm offers none")),
                Execution.INLINE, CoreCommands::qmpCapabilities));
        r.register(QmpCommand.of("query-version", "The server's version, in QEMU's shape.", ArgumentSchema.NONE,
                Execution.INLINE, call -> version()));
        r.register(QmpCommand.of("query-commands", "Every command this server answers.", ArgumentSchema.NONE,
                Execution.INLINE, call -> commands(r)));
        r.register(QmpCommand.of("query-status", "Run state; the model is always running.", ArgumentSchema.NONE,
                Execution.INLINE, call -> status()));
        r.register(QmpCommand.of("query-target", "The target: x86_64, as qemu-system-x86_64 answers (TargetInfo).",
                ArgumentSchema.NONE, Execution.INLINE, call -> NODES.objectNode().put("arch", "x86_64")));
        if (!withQuit) return;
        r.register(QmpCommand.of("quit", "Emit SHUTDOWN, reply, close every connection and stop the server.",
                ArgumentSchema.NONE, Execution.INLINE, CoreCommands::quit));
    }

    /** qmp_qmp_capabilities: a second call is refused; asking for a capability not offered too (qmp_caps_accept). */
    private static JsonNode qmpCapabilities(CommandCall call) throws QmpError {
        QmpSession session = (QmpSession) call.client();
        if (session.negotiated()) {
            throw new QmpError(ErrorClass.CommandNotFound, "Capabilities negotiation is already complete, command ignored");
        }
        JsonNode enable = call.arguments().get("enable");
        if (enable != null) {
            for (JsonNode cap : enable) {
                if (!java.util.List.of(CAPABILITIES).contains(cap.textValue())) {
                    throw QmpError.generic("Capability '" + cap.textValue() + "' not available");
                }
            }
        }
        session.negotiate();
        return null;
    }

    /** VersionInfo: {"qemu": {"major", "minor", "micro"}, "package"}. */
    public static ObjectNode version() {
        ObjectNode triple = NODES.objectNode().put("major", VdmVersion.MAJOR).put("minor", VdmVersion.MINOR)
                .put("micro", VdmVersion.MICRO);
        ObjectNode v = NODES.objectNode();
        v.set("qemu", triple);
        v.put("package", VdmVersion.PACKAGE);
        return v;
    }

    /** The greeting (docs/interop/qmp-spec, "Server Greeting"). */
    static ObjectNode greeting() {
        ObjectNode body = NODES.objectNode();
        body.set("version", version());
        ArrayNode caps = body.putArray("capabilities");
        for (String c : CAPABILITIES) caps.add(c);
        ObjectNode g = NODES.objectNode();
        g.set("QMP", body);
        return g;
    }

    private static JsonNode commands(CommandRegistry r) {
        ArrayNode list = NODES.arrayNode();
        for (QmpCommand c : r.all()) list.addObject().put("name", c.name());
        return list;
    }

    /** StatusInfo as QEMU reports a running machine. */
    private static JsonNode status() {
        return NODES.objectNode().put("running", true).put("singlestep", false).put("status", "running");
    }

    /** qmp_quit: QEMU's SHUTDOWN event reaches clients before the reply; then every connection closes. */
    private static JsonNode quit(CommandCall call) {
        call.events().emit("SHUTDOWN", NODES.objectNode().put("guest", false).put("reason", "host-qmp-quit"));
        call.afterReply(() -> call.server().stop());
        return null;
    }
}
