package vdm.pci.msi;

import java.util.Arrays;
import vdm.pci.cap.MsiX;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.layout.Layout;

/**
 * A function's MSI-X table and Pending Bit Array, the part of MSI-X that lives in BAR memory (PCI Local Bus 3.0,
 * 6.8.2; PCIe Base 6.x, 7.7.2), next to the capability in config space that enables and masks it.
 * <p>
 * The table has one 16-byte entry per vector: Message Address (low, high), Message Data and Vector Control, whose bit
 * 0 is the mask bit. The PBA has one read-only bit per vector, in QWORDs. Every bit software writes to an entry is
 * kept and reads back, Vector Control's reserved bits and Message Address bits 1:0 too: QEMU stores the DWORD as
 * written (msix_table_mmio_write), which qtest confirms on QEMU 7.2; the spec leaves both to software to keep 0.
 * <p>
 * Accesses: the spec allows only aligned DWORD or QWORD accesses ("otherwise, the result is undefined"). What this
 * model does with the others is what QEMU does (its msix_table_mmio_ops and msix_pba_mmio_ops accept 4 to 8 bytes,
 * implemented as DWORDs, low DWORD first): a 1- or 2-byte access reads 0 and is dropped, and an unaligned one is cut
 * into naturally aligned pieces of which only the DWORDs and QWORDs reach the table. QEMU 7.2 driven through qtest
 * answers exactly that (QemuMsixDifferentialTest). Writes to the PBA are dropped.
 * <p>
 * Masking and delivery follow QEMU's msix.c: a vector is masked by its entry's mask bit or by the function
 * (msix_function_masked: MSI-X disabled or Function Mask set). A vector raised while masked latches its pending bit
 * (msix_notify -> msix_set_pending); when it becomes unmasked with the bit set, the bit is cleared and the message
 * is sent (msix_handle_mask_update). Nothing is sent or latched while MSI-X is disabled. Unlike QEMU, whose message
 * is dropped by the disabled bus-master address space, a vector unmasked while Bus Master Enable is clear stays
 * pending and goes out when bus mastering is turned on: with Bus Master clear the function may not issue memory
 * writes (PCI 3.0, 6.2.2, and an MSI is one), and the Pending bit says a message is owed until it has been sent.
 * <p>
 * Reset (msix_reset): every entry zero with its mask bit set, the PBA clear. The table is plain int and long arrays:
 * the access and delivery paths allocate nothing. Accesses to one function are serialised by whoever reaches it
 * (Xen's vpci lock, QEMU's BQL); this class takes no lock.
 */
public final class MsixTable {
    public static final int ENTRY_SIZE = 16;
    private static final int ENABLE = 0x8000, FUNCTION_MASK = 0x4000;
    private static final int COMMAND = 0x04, BUS_MASTER = 0x4;
    private static final int VECTOR_CONTROL = 3, MASK_BIT = 1;

    private final ConfigSpace cs;
    private final int control;
    private final int size;
    private final int tableBir, tableOffset, pbaBir, pbaOffset;
    private final int[] words;
    private final long[] pba;

    private MsixTable(ConfigSpace cs, Layout.PlacedCapability placed) {
        MsiX cap = (MsiX) placed.capability();
        this.cs = cs;
        this.control = placed.offset() + 2;
        this.size = cap.tableSize();
        this.tableBir = cap.tableBir();
        this.tableOffset = cap.tableOffset();
        this.pbaBir = cap.pbaBir();
        this.pbaOffset = cap.pbaOffset();
        this.words = new int[size * 4];
        this.pba = new long[(size + 63) >>> 6];
        reset();
    }

    /** The table of the function whose config space is {@code cs}; null if it has no MSI-X capability. */
    public static MsixTable of(ConfigSpace cs) {
        Layout.PlacedCapability c = cs.layout().capability(MsiX.ID, false);
        return c == null ? null : new MsixTable(cs, c);
    }

    /** Message Control's offset in config space. */
    public int controlOffset() { return control; }
    /** The number of entries (Table Size + 1). */
    public int size() { return size; }
    public int tableBir() { return tableBir; }
    public int tableOffset() { return tableOffset; }
    public int pbaBir() { return pbaBir; }
    public int pbaOffset() { return pbaOffset; }
    /** Bytes the table occupies in its BAR: 16 per entry. */
    public int tableBytes() { return size * ENTRY_SIZE; }
    /** Bytes the PBA occupies in its BAR: one bit per entry, in whole QWORDs. */
    public int pbaBytes() { return pba.length << 3; }

    /** True if BAR {@code bar}'s byte at {@code offset} belongs to the table. */
    public boolean inTable(int bar, long offset) {
        return bar == tableBir && offset >= tableOffset && offset < tableOffset + (long) tableBytes();
    }

    /** True if BAR {@code bar}'s byte at {@code offset} belongs to the PBA (and not to the table). */
    public boolean inPba(int bar, long offset) {
        return bar == pbaBir && offset >= pbaOffset && offset < pbaOffset + (long) pbaBytes() && !inTable(bar, offset);
    }

    // ---------------------------------------------------------------- the memory face

    /**
     * A read of {@code width} bytes (1 to 8) at {@code offset} from the table's start, inside the table. An aligned DWORD
     * or QWORD reads the entry words; anything else is cut as QEMU's memory core cuts it (memory_access_size: naturally
     * aligned pieces, at most 8 bytes, each the largest power of two the address alignment and the rest allow) and
     * each piece narrower than a DWORD reads 0 (the region's valid.min_access_size is 4).
     */
    public long readTable(long offset, int width) {
        if (valid(offset, width)) return tableWords(offset, width);
        long out = 0;
        for (int done = 0; done < width; ) {
            long at = offset + done;
            int l = piece(at, width - done);
            if (l >= 4) out |= tableWords(at, l) << (8 * done);
            done += l;
        }
        return out;
    }

    private long tableWords(long offset, int width) {
        int i = (int) (offset >>> 2);
        long low = words[i] & 0xffff_ffffL;
        return width == 4 ? low : low | (words[i + 1] & 0xffff_ffffL) << 32;
    }

    /**
     * A write at {@code offset} from the table's start, cut into pieces as {@link #readTable} reads (pieces narrower
     * than a DWORD are dropped); an entry that becomes unmasked with its pending bit set sends its message to
     * {@code sink}. A QWORD is two DWORD writes, the low one first (QEMU's impl.max_access_size 4).
     */
    public void writeTable(long offset, int width, long value, MessageSink sink) {
        for (int done = 0; done < width; ) {
            long at = offset + done;
            int l = valid(offset, width) ? width : piece(at, width - done);
            if (l >= 4) {
                long v = value >>> (8 * done);
                int i = (int) (at >>> 2);
                writeWord(i, (int) v, sink);
                if (l == 8) writeWord(i + 1, (int) (v >>> 32), sink);
            }
            done += l;
        }
    }

    /** A read of {@code width} bytes at {@code offset} from the PBA's start, inside it; cut and refused as {@link #readTable}. */
    public long readPba(long offset, int width) {
        if (valid(offset, width)) return pbaWords(offset, width);
        long out = 0;
        for (int done = 0; done < width; ) {
            long at = offset + done;
            int l = piece(at, width - done);
            if (l >= 4) out |= pbaWords(at, l) << (8 * done);
            done += l;
        }
        return out;
    }

    private long pbaWords(long offset, int width) {
        long q = pba[(int) (offset >>> 3)];
        return width == 8 ? q : (q >>> ((offset & 4) << 3)) & 0xffff_ffffL;
    }

    private static boolean valid(long offset, int width) {
        return (width == 4 || width == 8) && (offset & (width - 1)) == 0;
    }

    /** QEMU's memory_access_size with max_access_size 8: the next naturally aligned piece of an access. */
    private static int piece(long at, int remaining) {
        int max = 8;
        long align = at & -at;
        if (align != 0 && align < max) max = (int) align;
        return Integer.highestOneBit(Math.min(remaining, max));
    }

    private void writeWord(int i, int value, MessageSink sink) {
        int entry = i >>> 2;
        boolean wasMasked = masked(entry);
        words[i] = value;
        maskUpdated(entry, wasMasked, sink);
    }

    // ---------------------------------------------------------------- the config face

    /**
     * Called after a config write that covered Message Control, with its value before the write: a change of the
     * function's mask (enable, Function Mask) re-evaluates every entry as msix_write_config does, sending what was
     * pending and is now unmasked.
     */
    public void controlWritten(int oldControl, MessageSink sink) {
        boolean wasFunctionMasked = functionMasked(oldControl);
        if (!enabled() || wasFunctionMasked == functionMasked()) return;
        for (int e = 0; e < size; e++) maskUpdated(e, wasFunctionMasked || entryMasked(e), sink);
    }

    /** Called when Bus Master Enable turns on: what stayed pending while unmasked goes out now. */
    public void busMasterEnabled(MessageSink sink) {
        if (!enabled() || functionMasked()) return;
        for (int e = 0; e < size; e++) if (!entryMasked(e) && pending(e)) deliver(e, sink);
    }

    // ---------------------------------------------------------------- the device raising a vector

    /** The function raises entry {@code entry} (0 .. size - 1; checked by the caller). */
    public Delivery fire(int entry, MessageSink sink) {
        int ctl = cs.read(control, 2); // once: enable and Function Mask are both in Message Control
        if ((ctl & ENABLE) == 0 || !busMaster()) return Delivery.DISABLED;
        if (functionMasked(ctl) || entryMasked(entry)) {
            pba[entry >>> 6] |= 1L << entry;
            return Delivery.PENDING;
        }
        sink.message(address(entry), data(entry));
        return Delivery.SENT;
    }

    private void maskUpdated(int entry, boolean wasMasked, MessageSink sink) {
        if (wasMasked && !masked(entry) && pending(entry)) deliver(entry, sink);
    }

    private void deliver(int entry, MessageSink sink) {
        if (!busMaster()) return; // stays pending: see the class comment
        pba[entry >>> 6] &= ~(1L << entry);
        sink.message(address(entry), data(entry));
    }

    // ---------------------------------------------------------------- state

    public boolean enabled() {
        return (cs.read(control, 2) & ENABLE) != 0;
    }

    /** QEMU's msix_function_masked: MSI-X disabled or Function Mask set. */
    public boolean functionMasked() {
        return functionMasked(cs.read(control, 2));
    }

    private static boolean functionMasked(int ctl) {
        return (ctl & ENABLE) == 0 || (ctl & FUNCTION_MASK) != 0;
    }

    private boolean busMaster() {
        return (cs.read(COMMAND, 2) & BUS_MASTER) != 0;
    }

    /** True if entry {@code entry} is masked now, by its own mask bit or by the function. */
    public boolean masked(int entry) {
        return functionMasked() || entryMasked(entry);
    }

    public boolean entryMasked(int entry) {
        return (words[entry * 4 + VECTOR_CONTROL] & MASK_BIT) != 0;
    }

    public boolean pending(int entry) {
        return (pba[entry >>> 6] & 1L << entry) != 0;
    }

    public long address(int entry) {
        return words[entry * 4] & 0xffff_ffffL | (words[entry * 4 + 1] & 0xffff_ffffL) << 32;
    }

    public int data(int entry) {
        return words[entry * 4 + 2];
    }

    /** msix_reset: every entry zero and masked, nothing pending. Message Control is the config space's to reset. */
    public void reset() {
        Arrays.fill(words, 0);
        for (int e = 0; e < size; e++) words[e * 4 + VECTOR_CONTROL] = MASK_BIT;
        Arrays.fill(pba, 0);
    }

    /** The table's words (four per entry) and the PBA's QWORDs, copied. */
    public record State(int[] table, long[] pba) {
        public State {
            table = table.clone();
            pba = pba.clone();
        }

        @Override public int[] table() { return table.clone(); }
        @Override public long[] pba() { return pba.clone(); }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && Arrays.equals(table, s.table) && Arrays.equals(pba, s.pba);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(table) + Arrays.hashCode(pba);
        }
    }

    public State capture() {
        return new State(words, pba);
    }

    /** Puts a captured state back; refuses one of another table size, naming both, before anything changes. */
    public void restore(State s) {
        if (s.table.length != words.length || s.pba.length != pba.length) {
            throw new IllegalArgumentException(String.format("MSI-X state of %d entries saved, the table has %d",
                    s.table.length / 4, size));
        }
        System.arraycopy(s.table, 0, words, 0, words.length);
        System.arraycopy(s.pba, 0, pba, 0, pba.length);
        if (size % 64 != 0) pba[pba.length - 1] &= (1L << (size % 64)) - 1;
    }
}
