package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.Vdm;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.scenario.DeviceChoice;
import vdm.scenario.InterruptPath;
import vdm.scenario.Scenario;
import vdm.xen.Domain;

/** The passthrough flow replayed in a fresh model of the same host (the served model is not touched). */
final class ScenarioCommands {
    private ScenarioCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-scenario-run", "Replays the passthrough flow in a fresh model; returns steps and trace",
                ArgumentSchema.of(Arg.optional("preset", ArgType.oneOf("Preset", "broken", "series-v4", "upstream"), "default: the current"),
                        Arg.optional("hostaddr", ArgType.STRING, "the device (default: the host's first assignable endpoint in SBDF order)"),
                        Arg.optional("dom0", ArgType.oneOf("Dom0Kind", "pv", "pvh"), "default pvh"),
                        Arg.optional("interrupt", ArgType.oneOf("InterruptPath", "intx", "msi", "msix"),
                                "how the guest takes the device's interrupts (default: INTx if it has a pin, else MSI-X, else MSI)")),
                Execution.MODEL, call -> run(model, call)));
    }

    private static JsonNode run(Model model, CommandCall call) throws QmpError {
        Preset p = call.arguments().optionalString("preset").map(Preset::of).orElse(model.preset());
        String hostaddr = call.arguments().optionalString("hostaddr").orElse(null);
        Sbdf named = hostaddr == null ? null : HostAddress.parse(hostaddr, "hostaddr");
        Domain.Kind k = call.arguments().optionalString("dom0").orElse("pvh").equals("pv") ? Domain.Kind.PV : Domain.Kind.PVH;
        InterruptPath path = call.arguments().optionalString("interrupt").map(InterruptPath::of).orElse(null);
        Vdm.Builder b = (model.hostFile() == null ? Vdm.defaultHost() : Vdm.host(model.hostFile())).preset(p).dom0(k);
        Scenario.Result r;
        DeviceChoice choice;
        try {
            choice = DeviceChoice.of(b.description(), named);
            r = Scenario.run(b, choice, p.label(), path);
        } catch (IllegalArgumentException e) {
            // The library's refusal, which the CLI prints too: a path the device lacks names the device and what it lacks.
            throw QmpError.generic(e.getMessage());
        }
        ObjectNode out = PassthroughCommands.JSON.objectNode().put("preset", p.label()).put("device", r.device().toString()).put("passed", r.passed());
        // Which device ran and why: the one named, or the host's first assignable endpoint.
        out.putObject("x-vdm-device-choice").put("device", choice.device().toString()).put("name", choice.name()).put("reason", choice.reason());
        ArrayNode steps = out.putArray("steps");
        for (Scenario.Step st : r.steps()) {
            steps.addObject().put("step", st.name()).put("verdict", st.verdict().name().toLowerCase()).put("summary", st.summary());
        }
        ArrayNode trace = out.putArray("trace");
        for (var e : r.trace().events()) {
            trace.addObject().put("seq", e.seq()).put("source", e.source().name().toLowerCase()).put("step", e.step())
                    .put("verdict", e.verdict().name().toLowerCase()).put("message", e.message()).put("detail", e.detail());
        }
        return out;
    }
}
