package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import vdm.errno.Errno;
import vdm.pci.Sbdf;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;

/** Assignable devices: xl pci-assignable-add, -remove and -list (pciback seizing and releasing functions). */
final class AssignableCommands {
    private AssignableCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-assignable-add", "xl pci-assignable-add: pciback seizes the function",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F")), Execution.MODEL,
                call -> add(model, call)));
        registry.register(QmpCommand.of("x-vdm-assignable-remove", "xl pci-assignable-remove",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                        Arg.optional("rebind", ArgType.BOOLEAN, "give it back to dom0's driver (default true)")),
                Execution.MODEL, call -> remove(model, call)));
        registry.register(QmpCommand.of("x-vdm-assignable-list", "xl pci-assignable-list", ArgumentSchema.NONE, Execution.MODEL,
                call -> list(model)));
    }

    private static JsonNode add(Model model, CommandCall call) throws QmpError {
        Sbdf s = HostAddress.parse(call.arguments().string("hostaddr"), "hostaddr");
        int rc = model.vdm().libxl().pciAssignableAdd(s);
        if (rc != 0) throw ModelRefusal.of("pci-assignable-add " + s, rc, Errno.text(rc));
        return null;
    }

    private static JsonNode remove(Model model, CommandCall call) throws QmpError {
        Sbdf s = HostAddress.parse(call.arguments().string("hostaddr"), "hostaddr");
        int rc = model.vdm().libxl().pciAssignableRemove(s, call.arguments().bool("rebind", true));
        if (rc != 0) throw ModelRefusal.of("pci-assignable-remove " + s, rc, Errno.text(rc));
        return null;
    }

    private static JsonNode list(Model model) {
        ArrayNode a = PassthroughCommands.JSON.arrayNode();
        model.vdm().libxl().pciAssignableList().forEach(s -> a.add(s.toString()));
        return a;
    }
}
