package vdm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.Sbdf;
import vdm.scenario.Scenario;
import vdm.xen.Domain;

/**
 * {@code vdm scenario}: replays boot, pci-assignable-add, attach, guest BAR and interrupt, detach and destroy on one
 * device under a preset and prints the trace readably (or as JSON lines), ending with a summary. Exit 0 when every
 * step passed, 1 when some failed (as they should under {@code broken}), 2 for bad arguments.
 */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = {"Replays the passthrough flow on one device under a preset and prints every step, hypercall and",
                "log line (Xen, dom0's kernel, libxl, QEMU), ending with a summary. Exit 1 if a step failed."})
final class ScenarioCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "upstream", paramLabel = "PRESET",
            description = "broken, series-v4 or upstream (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--host", paramLabel = "FILE", description = "A host JSON file (default: the built-in host).")
    Path host;

    @Option(names = "--device", paramLabel = "SBDF", description = "The device to pass through (default: the e1000e, 0000:00:03.0).")
    String device;

    @Option(names = "--dom0", defaultValue = "pvh", paramLabel = "KIND", description = "pvh or pv (default: ${DEFAULT-VALUE}).")
    String dom0;

    @Option(names = "--json", description = "Print the trace as JSON lines instead.")
    boolean json;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        vdm.model.Preset p;
        Sbdf sbdf;
        Domain.Kind kind;
        try {
            p = vdm.model.Preset.of(preset);
            sbdf = device == null ? DefaultHost.NIC : Sbdf.parse(device);
            kind = switch (dom0.toLowerCase()) {
                case "pvh" -> Domain.Kind.PVH;
                case "pv" -> Domain.Kind.PV;
                default -> throw new IllegalArgumentException("--dom0 must be pv or pvh, not '" + dom0 + "'");
            };
        } catch (IllegalArgumentException e) {
            err.println("vdm scenario: " + e.getMessage());
            return 2;
        }
        Scenario.Result r;
        try {
            Vdm.Builder b = (host == null ? Vdm.defaultHost() : Vdm.host(host)).preset(p).dom0(kind);
            r = Scenario.run(b, sbdf, p.label() + " (" + kind.name() + " dom0)");
        } catch (IllegalArgumentException e) {
            err.println("vdm scenario: " + e.getMessage());
            return 2;
        }
        spec.commandLine().getOut().print(json ? r.toJsonLines() : r.render());
        spec.commandLine().getOut().flush();
        return r.passed() ? 0 : 1;
    }
}
