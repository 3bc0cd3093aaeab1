package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.model.Fix;
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
        // No x-vdm-fixes-set: a machine is built with its fixes (Xen's XenConfig and dom0's Fixes are boot-time), so
        // changing one means a reboot, which x-vdm-preset-set does for a preset and vdm serve --fix does at start.
        registry.register(QmpCommand.of("x-vdm-fixes-get", "The preset and every switch in force (by label; gsi-lookup's value)", ArgumentSchema.NONE,
                Execution.MODEL, call -> fixes(model)));
        registry.register(QmpCommand.of("x-vdm-preset-set", "Reboots the model under a preset (broken, series-v4, upstream)",
                ArgumentSchema.of(Arg.required("preset", ArgType.oneOf("Preset", "broken", "series-v4", "upstream"), "the preset")),
                Execution.MODEL, call -> {
                    model.reboot(Preset.of(call.arguments().string("preset")));
                    return fixes(model);
                }));
    }

    /**
     * {@code {preset, reset-notification: bool, ..., gsi-lookup: "privcmd", ...}}: the preset the model started from,
     * then every {@link Fix} by its label in the enum's order, on or off, gsi-lookup as its value (none, sysfs-gsi,
     * privcmd). The preset alone does not say the fixes: {@code vdm serve --fix} and a loaded snapshot may differ from it.
     */
    private static JsonNode fixes(Model model) {
        Fixes f = model.vdm().fixes();
        ObjectNode out = PassthroughCommands.JSON.objectNode().put("preset", model.preset().label());
        for (Fix x : Fix.values()) {
            if (x == Fix.GSI_LOOKUP) out.put(x.label(), Fixes.label(f.gsiLookup()));
            else out.put(x.label(), f.on(x));
        }
        return out;
    }
}
