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
        if (msix == null) return registers.read(bar, offset, size);
        long out = 0;
        for (int done = 0; done < size; ) { // an access crossing a structure's edge is cut there, as QEMU's regions cut it
            long at = offset + done;
            int n = (int) Math.min(size - done, untilEdge(bar, at));
            long part;
            if (msix.inTable(bar, at)) part = msix.readTable(at - msix.tableOffset(), n);
            else if (msix.inPba(bar, at)) part = msix.readPba(at - msix.pbaOffset(), n);
            else part = registers.read(bar, at, n);
            out |= part << (8 * done);
            done += n;
        }
        return out;
    }

    void write(int bar, long offset, int size, long value, MessageSink sink) {
        if (msix == null) {
            registers.write(bar, offset, size, value);
            return;
        }
        for (int done = 0; done < size; ) {
            long at = offset + done;
            int n = (int) Math.min(size - done, untilEdge(bar, at));
            long part = value >>> (8 * done);
            if (msix.inTable(bar, at)) msix.writeTable(at - msix.tableOffset(), n, part, sink);
            else if (!msix.inPba(bar, at)) registers.write(bar, at, n, part); // the PBA is read-only
            done += n;
        }
    }

    /** Bytes from {@code at} to the next start or end of the table or PBA in this BAR (at most 8: an access's size). */
    private long untilEdge(int bar, long at) {
        long d = 8;
        if (bar == msix.tableBir()) {
            d = nearer(d, at, msix.tableOffset());
            d = nearer(d, at, msix.tableOffset() + (long) msix.tableBytes());
        }
        if (bar == msix.pbaBir()) {
            d = nearer(d, at, msix.pbaOffset());
            d = nearer(d, at, msix.pbaOffset() + (long) msix.pbaBytes());
        }
        return d;
    }

    private static long nearer(long d, long at, long edge) {
        return edge > at && edge - at < d ? edge - at : d;
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
