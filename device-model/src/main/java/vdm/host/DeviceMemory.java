package vdm.host;

import vdm.pci.engine.ConfigSpace;
import vdm.pci.msi.MessageSink;
import vdm.pci.msi.MsiMessages;
import vdm.pci.msi.MsixTable;

/**
 * The device's side of a function's memory BARs: the MSI-X table and PBA where the capability puts them (pci-config's
 * {@link MsixTable}) and the device's other registers ({@link BarRegisters}). The function's config space and this
 * memory are two faces of one device: Message Control and COMMAND (in config space) decide what the table does.
 * Offsets are within the BAR and already checked by {@link PhysicalFunction}.
 */
final class DeviceMemory {
    private final MsixTable msix;
    private final MsiMessages msi;
    private final BarRegisters registers = new BarRegisters();

    DeviceMemory(ConfigSpace cs) {
        this.msix = MsixTable.of(cs);
        this.msi = MsiMessages.of(cs);
    }

    MsixTable msix() {
        return msix;
    }

    MsiMessages msi() {
        return msi;
    }

    long read(int bar, long offset, int size) {
        if (msix != null) {
            if (overlaps(bar, offset, size, msix.tableBir(), msix.tableOffset(), msix.tableBytes())) {
                return msix.readTable(offset - msix.tableOffset(), size);
            }
            if (overlaps(bar, offset, size, msix.pbaBir(), msix.pbaOffset(), msix.pbaBytes())) {
                return msix.readPba(offset - msix.pbaOffset(), size);
            }
        }
        return registers.read(bar, offset, size);
    }

    void write(int bar, long offset, int size, long value, MessageSink sink) {
        if (msix != null) {
            if (overlaps(bar, offset, size, msix.tableBir(), msix.tableOffset(), msix.tableBytes())) {
                msix.writeTable(offset - msix.tableOffset(), size, value, sink);
                return;
            }
            if (overlaps(bar, offset, size, msix.pbaBir(), msix.pbaOffset(), msix.pbaBytes())) return; // read-only
        }
        registers.write(bar, offset, size, value);
    }

    /**
     * An access touching any byte of a structure belongs to it (and, being then unaligned or too narrow unless it lies
     * inside, reads 0 and is dropped: see {@link MsixTable}); an offset below the structure's start maps to a negative
     * relative offset, which only a misaligned access can produce.
     */
    private static boolean overlaps(int bar, long offset, int size, int bir, int start, int length) {
        return bar == bir && offset < start + (long) length && offset + size > start;
    }

    /** The function reset: table and PBA to msix_reset's values, registers cleared. */
    void reset() {
        if (msix != null) msix.reset();
        registers.clear();
    }

    DeviceMemoryState capture() {
        return new DeviceMemoryState(msix == null ? null : msix.capture(), registers.export());
    }

    void check(DeviceMemoryState s, Object who) {
        if ((s.msix() == null) != (msix == null)) {
            throw new IllegalArgumentException(who + ": MSI-X table " + (msix == null ? "saved, the function has no MSI-X" : "missing from the saved state"));
        }
        if (msix != null && (s.msix().table().length != msix.size() * 4 || s.msix().pba().length != (msix.size() + 63) / 64)) {
            throw new IllegalArgumentException(who + ": MSI-X state of " + s.msix().table().length / 4 + " entries saved, the table has " + msix.size());
        }
        long[] r = s.registers();
        if ((r.length & 1) != 0) throw new IllegalArgumentException(who + ": BAR registers saved as an odd number of words");
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] >>> 56 > 5) throw new IllegalArgumentException(who + String.format(": BAR registers saved for BAR%d", r[i] >>> 56));
        }
    }

    void restore(DeviceMemoryState s) {
        if (msix != null) msix.restore(s.msix());
        registers.load(s.registers());
    }
}
