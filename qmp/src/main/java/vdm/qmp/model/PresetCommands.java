package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;

/** The fixes in force and the preset that chose them; a new preset reboots the model (Xen's fixes are boot-time). */
final class PresetCommands {
    private PresetCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-fixes-get", "The preset and the four fixes in force", ArgumentSchema.NONE,
                Execution.MODEL, call -> fixes(model)));
        registry.register(QmpCommand.of("x-vdm-preset-set", "Reboots the model under a preset (broken, series-v4, upstream)",
                ArgumentSchema.of(Arg.required("preset", ArgType.oneOf("Preset", "broken", "series-v4", "upstream"), "the preset")),
                Execution.MODEL, call -> {
                    model.reboot(Preset.of(call.arguments().string("preset")));
                    return fixes(model);
                }));
    }

    private static JsonNode fixes(Model model) {
        Fixes f = model.vdm().fixes();
        return PassthroughCommands.JSON.objectNode().put("preset", model.preset().label())
                .put("reset-notification", f.resetNotification()).put("pvh-map-pirq", f.pvhMapPirq())
                .put("setup-gsi", f.setupGsi()).put("gsi-lookup", f.gsiLookup().name().toLowerCase().replace('_', '-'));
    }
}
