package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import vdm.qmp.CommandRegistry;

/**
 * The passthrough commands: QEMU's {@code device_add}/{@code device_del} (driver xen-pci-passthrough) and
 * {@code query-pci}, and vdm's {@code x-vdm-*} commands for domains, assignable devices, config space as the
 * hardware, dom0 or a guest sees it, memory (BARs, MSI-X tables) as each reaches it, MSI/MSI-X firing and state, the IO-APICs, fixes and presets, scenarios and snapshots, the failure library, and HMP's info
 * commands; each family registers its own. Domain-level errors carry the model's errno and log text in
 * {@code desc}. Every handler runs on the model executor; the state they share is the {@link Model}.
 */
public final class PassthroughCommands {
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    public static final String DRIVER = "xen-pci-passthrough";

    private PassthroughCommands() {}

    /** Registers every passthrough command on {@code registry} (in this order, which query-commands shows). */
    public static void register(CommandRegistry registry, Model model) {
        DeviceCommands.register(registry, model);
        DomainCommands.register(registry, model);
        AssignableCommands.register(registry, model);
        ConfigSpaceCommands.register(registry, model);
        MmioCommands.register(registry, model);
        MsiCommands.register(registry, model);
        IoApicCommands.register(registry, model::vdm);
        PresetCommands.register(registry, model);
        ScenarioCommands.register(registry, model);
        SnapshotCommands.register(registry, model);
        ReplayCommands.register(registry);
        Hmp.register(registry, model);
    }
}
