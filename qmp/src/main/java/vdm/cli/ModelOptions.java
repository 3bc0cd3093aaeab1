package vdm.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.pci.Sbdf;
import vdm.model.Preset;
import vdm.xen.Domain;

/** The options that choose a model and a device, shared by {@code scenario} and {@code explore} (a picocli mixin). */
final class ModelOptions {
    @Option(names = "--preset", defaultValue = "upstream", paramLabel = "PRESET",
            description = "broken, series-v4 or upstream (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--host", paramLabel = "FILE", description = "A host JSON file (default: the built-in host).")
    Path host;

    @Option(names = "--device", paramLabel = "SBDF", description = "The device (default: the e1000e, 0000:00:03.0).")
    String device;

    @Option(names = "--dom0", defaultValue = "pvh", paramLabel = "KIND", description = "pvh or pv (default: ${DEFAULT-VALUE}).")
    String dom0;

    Preset preset() {
        return Preset.of(preset);
    }

    Sbdf device() {
        return device == null ? DefaultHost.NIC : Sbdf.parse(device);
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

    /** A builder for the chosen host, preset and dom0. */
    Vdm.Builder builder(Preset p, Domain.Kind kind) {
        return (host == null ? Vdm.defaultHost() : Vdm.host(host)).preset(p).dom0(kind);
    }
}
