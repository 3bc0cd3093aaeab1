package vdm.host;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.catalog.Placement;
import vdm.pci.dump.DeviceImporter;
import vdm.pci.dump.ImportedDevice;
import vdm.pci.layout.Layout;

/**
 * What a physical function is: a catalog device by name, a small declared layout, an imported configuration space
 * dump with the BAR sizes the dump cannot give, or (from Java only) any pci-config {@link Layout}. The first three
 * are values, so a description read from JSON equals the same description built in Java.
 */
public sealed interface FunctionSource {
    /**
     * The layout and, for a dump, the imported device whose values the function starts with, for a function at
     * {@code placement} (the host knows it: a function with no bridge above it is on a root bus).
     */
    Resolved resolve(Placement placement);

    /** A short label for messages and listings, e.g. "e1000e" or "dump nic.lspci 03:00.0". */
    String label();

    record Resolved(Layout layout, ImportedDevice imported) {}

    /**
     * A device of pci-config's {@link DeviceCatalog} in a mode: hardware (what host descriptions hold) or
     * QEMU-compatible, where what the device shows can depend on where the host places it (QEMU's
     * pcie_endpoint_cap_common_init makes an endpoint on the root bus an integrated one).
     */
    record Catalog(String name, Mode mode) implements FunctionSource {
        public Catalog {
            if (name == null || name.isBlank()) throw new HostDescriptionException("device", "catalog name is missing");
            if (mode == null) throw new HostDescriptionException("device " + name, "catalog mode is missing");
        }

        /** The hardware device. */
        public Catalog(String name) {
            this(name, Mode.HARDWARE);
        }

        @Override
        public Resolved resolve(Placement placement) {
            return new Resolved(DeviceCatalog.layout(name, mode, placement), null);
        }

        @Override
        public String label() {
            return name;
        }
    }

    record Declared(LayoutSpec spec) implements FunctionSource {
        @Override
        public Resolved resolve(Placement placement) {
            return new Resolved(spec.toLayout(), null);
        }

        @Override
        public String label() {
            return spec.name();
        }
    }

    /**
     * A configuration space dump (64, 256 or 4096 bytes, as {@code lspci -xxx} or sysfs {@code config} hold it) with
     * BAR sizes by index and the ROM size (0 for none): see pci-config's {@link DeviceImporter}. {@code origin} says
     * where it came from for messages and is not part of equality.
     */
    record Dump(String name, byte[] config, Map<Integer, Long> barSizes, long romSize, String origin) implements FunctionSource {
        public Dump {
            if (name == null || name.isBlank()) name = "imported";
            config = config.clone();
            barSizes = Collections.unmodifiableMap(new TreeMap<>(barSizes == null ? Map.of() : barSizes));
            if (origin == null) origin = "dump";
        }

        @Override
        public byte[] config() {
            return config.clone();
        }

        @Override
        public Resolved resolve(Placement placement) {
            DeviceImporter importer = new DeviceImporter(name);
            barSizes.forEach(importer::bar);
            if (romSize > 0) importer.rom(romSize);
            ImportedDevice device = importer.from(config);
            return new Resolved(device.layout(), device);
        }

        @Override
        public String label() {
            return name + " (" + origin + ")";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Dump d && name.equals(d.name) && Arrays.equals(config, d.config)
                    && barSizes.equals(d.barSizes) && romSize == d.romSize;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(config) * 31 + barSizes.hashCode();
        }

        @Override
        public String toString() {
            return "Dump[" + label() + ", " + config.length + " bytes, BARs " + barSizes + ", ROM " + romSize + "]";
        }
    }

    /** Any layout, from Java; equal only to itself. */
    record Custom(Layout layout) implements FunctionSource {
        public Custom {
            if (layout == null) throw new HostDescriptionException("device", "layout is missing");
        }

        @Override
        public Resolved resolve(Placement placement) {
            return new Resolved(layout, null);
        }

        @Override
        public String label() {
            return layout.name();
        }
    }

    /** Resolves {@code source} for the function at {@code element}; a refusal becomes an error naming it. */
    static Resolved resolve(FunctionSource source, Placement placement, String element) {
        try {
            return source.resolve(placement);
        } catch (IllegalArgumentException e) { // LayoutException, DumpFormatException, HostDescriptionException
            throw new HostDescriptionException(element, e.getMessage(), e);
        }
    }
}
