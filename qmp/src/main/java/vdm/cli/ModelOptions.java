package vdm.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import vdm.Vdm;
import vdm.pci.Sbdf;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.scenario.DeviceChoice;
import vdm.xen.Domain;

/** The options that choose a model and a device, shared by {@code scenario} and {@code explore} (a picocli mixin). */
final class ModelOptions {
    @Option(names = "--preset", defaultValue = "upstream", paramLabel = "PRESET",
            description = "broken, series-v4 or upstream (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--host", paramLabel = "FILE", description = "A host JSON file (default: the built-in host).")
    Path host;

    @Option(names = "--device", paramLabel = "SBDF", description = "The device (default: the host's first assignable endpoint in SBDF "
            + "order: a type 0 function, not a host bridge, with a BAR, a ROM or an INTx pin; on the built-in host 0000:00:02.0, the gpu).")
    String device;

    @Option(names = "--dom0", defaultValue = "pvh", paramLabel = "KIND", description = "pvh or pv (default: ${DEFAULT-VALUE}).")
    String dom0;

    Preset preset() {
        return Preset.of(preset);
    }

    /** The device named with --device, or the chosen host's first assignable endpoint, with the reason. */
    DeviceChoice device() {
        return DeviceChoice.of(hostBuilder().description(), device == null ? null : Sbdf.parse(device));
    }

    Domain.Kind dom0Kind() {
        return kind(dom0);
    }

    static Domain.Kind kind(String s) {
        return switch (s.toLowerCase()) {
            case "pvh" -> Domain.Kind.PVH;
            case "pv" -> Domain.Kind.PV;
            default -> throw new IllegalArgumentException("--dom0 must be pv or pvh, not '" + s + "'");
        };
    }

    /** A builder for the chosen host, fixes (a preset's, with any --fix on top) and dom0. */
    Vdm.Builder builder(Fixes fixes, Domain.Kind kind) {
        return hostBuilder().fixes(fixes).dom0(kind);
    }

    private Vdm.Builder hostBuilder() {
        if (host == null) return Vdm.defaultHost();
        PathArgs.readableFile("--host", host);
        return Vdm.host(host);
    }
}
