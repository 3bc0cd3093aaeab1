package vdm.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vdm.persist.ScenarioJson;
import vdm.scenario.DeviceChoice;
import vdm.scenario.InterruptPath;
import vdm.scenario.Scenario;
import vdm.xen.Domain;

/**
 * {@code vdm scenario}: replays boot, pci-assignable-add, attach, guest BAR and interrupt (INTx, MSI or MSI-X:
 * {@code --interrupt}), detach and destroy on one device under a preset (and any {@code --fix} on top) and prints the trace readably (or as JSON lines), ending with a summary. Exit 0 when every
 * step passed, 1 when some failed (as they should under {@code broken}), 2 for bad arguments.
 */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = {"Replays the passthrough flow on one device under a preset and prints what happened.",
                "Every step, hypercall and log line (Xen, dom0's kernel, libxl, QEMU), ending with a summary.",
                "Exit 1 if a step failed, 2 for bad input (a path that cannot be used included)."})
final class ScenarioCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    FixOptions fixes;

    @Option(names = "--json", description = "Print the trace as JSON lines instead.")
    boolean json;

    @Option(names = "--interrupt", paramLabel = "intx|msi|msix",
            description = {"How the guest takes the device's interrupts: its INTx line, MSI or MSI-X.",
                    "Default: INTx if the device has a pin, else MSI-X, else MSI."})
    String interrupt;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        if (fixes.listed(spec.commandLine().getOut())) return 0;
        vdm.model.Preset p;
        DeviceChoice choice;
        Domain.Kind kind;
        Scenario.Result r;
        try {
            p = model.preset();
            choice = model.device();
            kind = model.dom0Kind();
            InterruptPath path = interrupt == null ? null : InterruptPath.of(interrupt);
            // the boot step prints the fixes in force (Fixes.toString()), so a --fix shows there as well as in the label
            r = Scenario.run(model.builder(fixes.apply(p.fixes()), kind), choice,
                    p.label() + fixes.suffix() + " (" + kind.name() + " dom0)", path);
        } catch (IllegalArgumentException e) {
            err.println("vdm scenario: " + e.getMessage());
            return 2;
        }
        spec.commandLine().getOut().print(json ? ScenarioJson.lines(r) : r.render());
        spec.commandLine().getOut().flush();
        return r.passed() ? 0 : 1;
    }
}
