package vdm.cli;

import java.io.PrintWriter;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import vdm.pci.catalog.Placement;
import vdm.pci.layout.Layout;

/** The catalog device, its mode and where it sits, shared by {@code dump} and {@code probe} (a picocli mixin). */
final class CatalogDeviceOptions {
    @Parameters(index = "0", paramLabel = "DEVICE", completionCandidates = CatalogDevices.class,
            description = "Catalog device: ${COMPLETION-CANDIDATES}.")
    String device;

    @Option(names = "--qemu-compat", description = "QEMU-compatible mode (unclaimed bytes are writable scratch).")
    boolean qemuCompat;

    // The default is where QEMU puts a -device given no bus= on q35: pcie.0, the root complex's bus.
    @Option(names = "--on", paramLabel = "PLACE", defaultValue = "root-bus", converter = PlacementName.class,
            completionCandidates = PlacementName.class,
            description = {"Where the device sits: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, where QEMU "
                    + "puts a -device with no bus= on q35). With --qemu-compat a PCIe endpoint on the root bus is a "
                    + "Root Complex Integrated Endpoint, as QEMU makes it; hardware is the same anywhere."})
    Placement placement;

    /** The device's layout, or null after printing the error to {@code err}. */
    Layout layout(String command, PrintWriter err) {
        return CatalogDevices.layout(device, qemuCompat, placement, command, err);
    }

    /** {@code root-bus} and {@code root-port}, the placements' names in lower case with dashes. */
    static final class PlacementName implements CommandLine.ITypeConverter<Placement>, Iterable<String> {
        static String of(Placement p) {
            return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @Override
        public Placement convert(String value) {
            for (Placement p : Placement.values()) {
                if (of(p).equalsIgnoreCase(value)) return p;
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a placement (expected " + String.join(" or ", this) + ")");
        }

        @Override
        public Iterator<String> iterator() {
            return List.of(Placement.values()).stream().map(PlacementName::of).iterator();
        }
    }
}
