package vdm.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import vdm.pci.layout.Layout;

/** The catalog device and its mode, shared by {@code dump} and {@code probe} (a picocli mixin). */
final class CatalogDeviceOptions {
    @Parameters(index = "0", paramLabel = "DEVICE", completionCandidates = CatalogDevices.class,
            description = "Catalog device: ${COMPLETION-CANDIDATES}.")
    String device;

    @Option(names = "--qemu-compat", description = "QEMU-compatible mode (unclaimed bytes are writable scratch).")
    boolean qemuCompat;

    /** The device's layout, or null after printing the error to {@code err}. */
    Layout layout(String command, PrintWriter err) {
        return CatalogDevices.layout(device, qemuCompat, command, err);
    }
}
