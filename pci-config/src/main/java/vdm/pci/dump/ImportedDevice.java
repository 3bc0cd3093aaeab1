package vdm.pci.dump;

import java.util.List;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;
import vdm.pci.layout.Layout;

/**
 * A device rebuilt from a dump by {@link DeviceImporter}: a {@link Layout} with the dump's identity, BARs and
 * capabilities, plus the dumped register values, which {@link #load} puts into a configuration space.
 * Bytes the layout cannot reproduce are listed in {@link #mismatches()}; for a dump of a vdm device there are none.
 */
public final class ImportedDevice {
    private final Layout layout;
    private final byte[] dump;
    private final List<Mismatch> mismatches;
    private final List<String> keptAsBytes;

    ImportedDevice(Layout layout, byte[] dump, List<Mismatch> mismatches, List<String> keptAsBytes) {
        this.layout = layout;
        this.dump = dump.clone();
        this.mismatches = List.copyOf(mismatches);
        this.keptAsBytes = List.copyOf(keptAsBytes);
    }

    public Layout layout() {
        return layout;
    }

    /** The dumped bytes (64, 256 or 4096). */
    public byte[] dump() {
        return dump.clone();
    }

    /** Dumped bytes the model reads differently after {@link #load}; empty when the import is exact. */
    public List<Mismatch> mismatches() {
        return mismatches;
    }

    public boolean exact() {
        return mismatches.isEmpty();
    }

    /**
     * Capabilities imported as constant bytes because vdm does not model their kind or cannot reproduce them with
     * its modelled one, e.g. "Cap0d@0x50" or "PCIe@0x80 (its model cannot reproduce the dumped bytes)".
     */
    public List<String> keptAsBytes() {
        return keptAsBytes;
    }

    /** A new configuration space of this layout holding the dump's current values. */
    public ConfigSpace create(Engine engine) {
        ConfigSpace space = engine.create(layout);
        load(space);
        return space;
    }

    /**
     * Puts the dumped values into {@code space} (of this layout) as the device itself would hold them: through
     * {@link ConfigSpace#poke}, so write-1-to-clear and read-only bits take the dump's values too. Bytes beyond the
     * dump (a 256-byte dump of a PCI Express device) keep their power-on values.
     */
    public void load(ConfigSpace space) {
        if (space.layout() != layout && !space.layout().sameBehaviour(layout)) {
            throw new IllegalArgumentException("configuration space of " + space.layout().name()
                    + " does not have the imported layout " + layout.name());
        }
        int n = Math.min(dump.length, space.size());
        for (int off = 0; off < n; off += 4) space.poke(off, 4, CapabilityChain.dword(dump, off));
    }
}
