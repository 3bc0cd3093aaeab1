package vdm.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vdm.pci.Sbdf;
import vdm.pci.dump.LspciDump;
import vdm.pci.engine.Engine;
import vdm.pci.layout.Layout;

/** {@code vdm dump DEVICE}: a catalog device's power-on configuration space in lspci's hex format. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Prints a catalog device's power-on configuration space as lspci -xxx does.",
                "With --extended, as lspci -xxxx does; lspci -F FILE -vvv decodes it."})
final class DumpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CatalogDeviceOptions catalog;

    @Option(names = {"-x", "--extended"}, description = "All 4096 bytes of a PCI Express device (a conventional one has 256).")
    boolean extended;

    @Option(names = "--bdf", paramLabel = "BB:DD.F", defaultValue = "00:03.0",
            description = "Address on the device line (default: ${DEFAULT-VALUE}).")
    String bdf;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Layout layout = catalog.layout("dump", err);
        if (layout == null) return CatalogDevices.USAGE;
        Sbdf address;
        try {
            address = Sbdf.parse(bdf);
        } catch (IllegalArgumentException e) {
            err.println("vdm dump: --bdf: " + e.getMessage());
            err.flush();
            return CatalogDevices.USAGE;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(LspciDump.format(address, Engine.REFERENCE.create(layout), extended ? 4096 : 256));
        out.flush();
        return 0;
    }
}
