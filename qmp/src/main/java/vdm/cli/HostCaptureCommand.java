package vdm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vdm.capture.Capture;
import vdm.capture.CaptureException;
import vdm.capture.HostCapture;
import vdm.persist.HostJsonWriter;

/**
 * {@code vdm host capture}: the host description of the machine it runs on, from sysfs and the ACPI tables. The file
 * is written to a temporary file beside the target and moved into place, so a failed capture leaves nothing.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Writes a host description (docs/host-json.md) of this machine; needs root.",
                "It holds every PCI function from sysfs, the IO-APICs, overrides, SCI and MCFG from the ACPI tables, and "
                        + "_PRT routing from the DSDT/SSDTs.",
                "A summary goes to stderr: what was captured, how IO-APIC pin counts were chosen, what was left out and why."})
final class HostCaptureCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "host.json", description = "Where to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--sysfs", paramLabel = "DIR", defaultValue = "/sys/bus/pci/devices",
            description = "The PCI devices directory (default: ${DEFAULT-VALUE}).")
    Path sysfs;

    @Option(names = "--acpi", paramLabel = "DIR", defaultValue = "/sys/firmware/acpi/tables",
            description = "The ACPI tables directory (default: ${DEFAULT-VALUE}).")
    Path acpi;

    @Option(names = "--ioapic-pins", paramLabel = "ID=PINS", split = ",",
            description = "The pin count of the IO-APIC with that MADT ID (the MADT does not carry it; read it from dmesg's "
                    + "'IOAPIC[n]: ... GSI a-b' line if the default is wrong).")
    Map<Integer, Integer> pins = new TreeMap<>();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Capture c;
        String json;
        Path target = out.toAbsolutePath();
        try {
            PathArgs.directory("--sysfs", sysfs);
            PathArgs.directory("--acpi", acpi);
            if (Files.isDirectory(target)) throw PathArgs.bad("--out", out, "Is a directory");
            if (!Files.isDirectory(target.getParent())) {
                throw PathArgs.bad("--out", out, Files.exists(target.getParent()) ? "Not a directory" : "No such file or directory");
            }
        } catch (IllegalArgumentException e) {
            err.println("vdm host capture: " + e.getMessage());
            err.flush();
            return CatalogDevices.USAGE;
        }
        try {
            c = HostCapture.capture(sysfs, acpi, pins);
            json = HostJsonWriter.toJson(c.description());
        } catch (CaptureException e) {
            err.println("vdm host capture: " + e.getMessage());
            err.flush();
            return 1;
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            Files.writeString(tmp, json);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the message below is what matters
                }
            }
            err.println("vdm host capture: cannot write " + target + ": " + PathArgs.reason(e));
            err.flush();
            return 1;
        }
        err.println("wrote " + target);
        err.print(c.report().render());
        err.flush();
        return 0;
    }
}
