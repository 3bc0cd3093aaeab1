package vdm.xen;

import vdm.errno.Errno;
import vdm.log.Level;

/**
 * vPCI's MSI-X capability for the hardware domain (xen/drivers/vpci/msix.c): Message Control trapped (enable and
 * Function Mask are Xen's), the table emulated entry by entry with the {@code updated} flag (an address or data
 * change takes effect on the next mask -> unmask cycle), and each entry's pirq mapped and bound through vmsi.c's
 * hooks ({@link VpciMsiArch}). The table and PBA are reached as MMIO through {@link MsixTableTrap}. Handlers and
 * table accesses run under the device's vPCI lock.
 */
final class VpciMsix {
    static final int TABLE = 0, PBA = 1;
    static final int ENTRY_SIZE = 16;
    static final int FLAGS_ENABLE = 0x8000, FLAGS_MASKALL = 0x4000, FLAGS_QSIZE = 0x07ff;
    static final int BIRMASK = 7;
    static final int VECTOR_BITMASK = 1;

    /** struct vpci_msix_entry with its arch part: what dom0 wrote, its mask, whether it changed since bound, its pirq. */
    static final class Entry {
        long addr;
        int data;
        boolean masked = true;
        boolean updated;
        int pirq = VpciMsiArch.INVALID_PIRQ;
    }

    private final Xen xen;
    private final Header header;
    private final VpciMsiArch arch;
    private final int pos;
    final int maxEntries;
    /** msix->tables: the Table Offset/BIR and PBA Offset/BIR registers as read at init. */
    private final int[] tables;
    final Entry[] entries;
    volatile boolean enabled, masked;

    private VpciMsix(Xen xen, Header header, VpciMsiArch arch, int pos, int maxEntries, int[] tables) {
        this.xen = xen;
        this.header = header;
        this.arch = arch;
        this.pos = pos;
        this.maxEntries = maxEntries;
        this.tables = tables;
        this.entries = new Entry[maxEntries];
        for (int i = 0; i < maxEntries; i++) entries[i] = new Entry();
    }

    Header header() { return header; }

    /**
     * init_msix: the table and PBA must lie in a memory BAR (else {@code -ENODEV} with Xen's message, and the caller
     * hides the capability); Message Control gets its handler, the domain's table trap learns of the device, and
     * vpci_make_msix_hole takes the pages out of the p2m if the BARs are mapped already.
     */
    static VpciMsix init(Xen xen, Header header, VpciMsiArch arch, int pos, int[] rc) {
        Vpci vpci = header.vpci();
        PciHardware hw = vpci.hardware();
        int control = hw.read(pos + 2, 2);
        int max = (control & FLAGS_QSIZE) + 1;
        int[] tables = {hw.read(pos + 4, 4), hw.read(pos + 8, 4)};
        // Before 53859596c0 (msixBirCheck off) init_msix took the BIRs as they were: an empty BAR's address, 0, and
        // its size, 0. A BIR past the header's BARs read past Xen's array, which vdm cannot model: it is refused.
        boolean check = xen.config().msixBirCheck();
        for (int i = TABLE; i <= PBA; i++) {
            String name = i == TABLE ? "vector" : "PBA";
            int bir = tables[i] & BIRMASK;
            long offset = tables[i] & ~BIRMASK & 0xffffffffL;
            long size = tableSize(i, max);
            if (bir >= header.barCount()) {
                bug(xen, header, String.format("%s: MSI-X %s table with out of range BIR %d", header.sbdf(), name, bir));
                rc[0] = -Errno.ENODEV;
                return null;
            }
            BarState bar = header.bar(bir);
            if (!check) continue;
            if (bar.type != BarState.Type.MEM32 && bar.type != BarState.Type.MEM64_LO) {
                bug(xen, header, String.format("%s: MSI-X %s table at invalid BAR%d with type %d", header.sbdf(), name, bir,
                        vpciBarType(bar.type)));
                rc[0] = -Errno.ENODEV;
                return null;
            }
            if (offset + size > bar.size) {
                bug(xen, header, String.format("%s: MSI-X %s table offset %s size %s outside of BAR%d size %s", header.sbdf(),
                        name, cHex(offset), cHex(size), bir, cHex(bar.size)));
                rc[0] = -Errno.ENODEV;
                return null;
            }
        }
        VpciMsix msix = new VpciMsix(xen, header, arch, pos, max, tables);
        rc[0] = vpci.addRegister((v, r) -> msix.controlRead(), (v, r, val) -> msix.controlWrite(v, val), pos + 2, 2, msix);
        if (rc[0] != 0) return null;
        header.msix(msix);
        MsixTableTrap.of(xen, header.domain()).add(msix);
        rc[0] = header.makeMsixHole();
        return msix;
    }

    /** C's "%#x": 0 without the 0x. */
    private static String cHex(long v) {
        return v == 0 ? "0" : String.format("%#x", v);
    }

    /** DEV_BUG_PREFIX: "Device bug: " on an XENLOG_ERR line. */
    private static void bug(Xen xen, Header header, String message) {
        xen.log().log(-1, Level.ERR, "Device bug: " + message);
    }

    /** enum vpci_bar_type's numbering (xen/vpci.h): EMPTY 0, IO 1, MEM32 2, MEM64_LO 3, MEM64_HI 4, ROM 5. */
    static int vpciBarType(BarState.Type t) {
        return t.ordinal();
    }

    /** vmsix_table_size: the table's entries, or the PBA's bits rounded up to 8 bytes. */
    static long tableSize(int nr, int maxEntries) {
        return nr == TABLE ? (long) maxEntries * ENTRY_SIZE : ((maxEntries + 7) / 8 + 7) / 8 * 8;
    }

    long size(int nr) {
        return tableSize(nr, maxEntries);
    }

    BarState bar(int nr) {
        return header.bar(tables[nr] & BIRMASK);
    }

    /** vmsix_table_addr: where the hardware domain sees the table (its BAR's address plus the offset). */
    long address(int nr) {
        return bar(nr).addr + (tables[nr] & ~BIRMASK & 0xffffffffL);
    }

    /** VMSIX_ADDR_IN_RANGE. */
    boolean inRange(long addr, int nr) {
        long start = address(nr);
        return addr >= start && addr < start + size(nr);
    }

    /** VMSIX_ADDR_SAME_PAGE: on a page that holds part of the table (or PBA). */
    boolean samePage(long addr, int nr) {
        long start = address(nr);
        long page = addr >>> P2m.PAGE_SHIFT;
        return page >= start >>> P2m.PAGE_SHIFT && page <= (start + size(nr) - 1) >>> P2m.PAGE_SHIFT;
    }

    /** msix_find's test: the table's or PBA's BAR is mapped and {@code addr} is on one of their pages. */
    boolean claims(long addr) {
        for (int i = TABLE; i <= PBA; i++) if (bar(i).enabled && samePage(addr, i)) return true;
        return false;
    }

    /** Xen 4.17's msix_find: the table or PBA itself, its BAR mapped (their pages' other bytes were not trapped). */
    boolean claimsInRange(long addr) {
        for (int i = TABLE; i <= PBA; i++) if (bar(i).enabled && inRange(addr, i)) return true;
        return false;
    }

    int controlRead() {
        return (maxEntries - 1) | (enabled ? FLAGS_ENABLE : 0) | (masked ? FLAGS_MASKALL : 0);
    }

    /**
     * control_write: enabling with the function unmasked (or unmasking an enabled function) sets up every unmasked
     * entry dom0 changed; disabling tears every entry down and marks it updated so that the next enable sets it up.
     */
    private PendingMapping controlWrite(Vpci vpci, int val) {
        boolean newMasked = (val & FLAGS_MASKALL) != 0, newEnabled = (val & FLAGS_ENABLE) != 0;
        if (newMasked == masked && newEnabled == enabled) return null;
        if (newEnabled && !newMasked && (!enabled || masked)) {
            for (int i = 0; i < maxEntries; i++) if (!entries[i].masked && entries[i].updated) updateEntry(i);
        } else if (!newEnabled && enabled) {
            for (int i = 0; i < maxEntries; i++) {
                int rc = disableEntry(entries[i]);
                if (rc == 0) entries[i].updated = true;
                else if (rc != -Errno.ENOENT) {
                    warn("%s: unable to disable entry %d: %d", header.sbdf(), i, rc);
                    return null;
                }
            }
        }
        masked = newMasked;
        enabled = newEnabled;
        val = controlRead();
        synchronized (xen.msi()) { // pci_msi_conf_write_intercept: Xen's own MASKALL (host_maskall) wins
            MsiProgramming.MsixState st = xen.msi().msixState(header.sbdf());
            st.guestMaskall = (val & FLAGS_MASKALL) != 0;
            if (st.hostMaskall) val |= FLAGS_MASKALL;
        }
        vpci.hardware().write(pos + 2, 2, val);
        return null;
    }

    private void warn(String format, Object... args) {
        xen.log().warn(header.domain().id(), format, args);
    }

    /** update_entry: tear the entry's binding down and set it up with its current address and data. */
    void updateEntry(int nr) {
        Entry e = entries[nr];
        int rc = disableEntry(e);
        if (rc != 0 && rc != -Errno.ENOENT) {
            warn("%s: unable to disable entry %d for update: %d", header.sbdf(), nr, rc);
            return;
        }
        rc = enableEntry(e, nr);
        if (rc != 0) {
            warn("%s: unable to enable entry %d: %d", header.sbdf(), nr, rc);
            return;
        }
        e.updated = false;
    }

    /** vpci_msix_arch_enable_entry: a pirq for the entry, bound; an address Xen refuses unmaps it again. */
    private int enableEntry(Entry e, int nr) {
        int rc = arch.enable(nr, vmsixTableHostBase());
        if (rc < 0) return rc;
        e.pirq = rc;
        rc = arch.update(e.data, e.addr, 1, e.pirq, e.masked ? 1 : 0);
        if (rc != 0) {
            arch.disable(e.pirq, 1, false);
            e.pirq = VpciMsiArch.INVALID_PIRQ;
        }
        return rc;
    }

    /** vmsix_table_host_base: the host address of the table's BAR. */
    private long vmsixTableHostBase() {
        return bar(TABLE).addr;
    }

    /** vpci_msix_arch_disable_entry: {@code -ENOENT} for an entry with no pirq. */
    private int disableEntry(Entry e) {
        if (e.pirq == VpciMsiArch.INVALID_PIRQ) return -Errno.ENOENT;
        arch.disable(e.pirq, 1, true);
        e.pirq = VpciMsiArch.INVALID_PIRQ;
        return 0;
    }

    /** msix_read's table part: an aligned 4- or 8-byte access (the trap checked it) of one entry. */
    long readEntry(long addr, int len) {
        Entry e = entries[(int) ((addr - address(TABLE)) / ENTRY_SIZE)];
        return switch ((int) (addr & (ENTRY_SIZE - 1))) {
            case 0 -> len == 8 ? e.addr : e.addr & 0xffffffffL;
            case 4 -> e.addr >>> 32;
            case 8 -> (e.data & 0xffffffffL) | (len == 8 && e.masked ? (long) VECTOR_BITMASK << 32 : 0);
            default -> e.masked ? VECTOR_BITMASK : 0;
        };
    }

    /**
     * msix_write's table part: address and data are stored and mark the entry updated (Xen lets dom0 write them
     * unmasked; they take effect on the next unmask); a change of the mask bit unmasking an entry of an enabled,
     * unmasked function that was updated sets it up again, any other mask change reaches the pirq's mask.
     */
    void writeEntry(long addr, int len, long data) {
        int nr = (int) ((addr - address(TABLE)) / ENTRY_SIZE);
        Entry e = entries[nr];
        int offset = (int) (addr & (ENTRY_SIZE - 1));
        switch (offset) {
            case 0 -> {
                e.updated = true;
                e.addr = len == 8 ? data : (e.addr & ~0xffffffffL) | (data & 0xffffffffL);
                return;
            }
            case 4 -> {
                e.updated = true;
                e.addr = (e.addr & 0xffffffffL) | (data << 32);
                return;
            }
            case 8 -> {
                e.updated = true;
                e.data = (int) data;
                if (len == 4) return;
                data >>>= 32;
            }
            default -> { }
        }
        boolean newMasked = (data & VECTOR_BITMASK) != 0;
        if (e.masked == newMasked) return;
        e.masked = newMasked;
        if (!newMasked && enabled && !masked && e.updated) updateEntry(nr);
        else arch.mask(e.pirq, e.masked);
    }

    VpciMsiState.Msix state() {
        java.util.List<VpciMsiState.Entry> es = new java.util.ArrayList<>(maxEntries);
        for (Entry e : entries) es.add(new VpciMsiState.Entry(e.addr, e.data, e.masked, e.updated, e.pirq));
        return new VpciMsiState.Msix(enabled, masked, es);
    }

    /** Overwrites Xen's copies with a capture of the same device (a state restore; nothing is rebound). */
    void restore(VpciMsiState.Msix s) {
        if (s.entries().size() != maxEntries) {
            throw new IllegalArgumentException(header.sbdf() + ": MSI-X state has " + s.entries().size() + " entries, the table " + maxEntries);
        }
        enabled = s.enabled();
        masked = s.masked();
        for (int i = 0; i < maxEntries; i++) {
            Entry e = entries[i];
            VpciMsiState.Entry es = s.entries().get(i);
            e.addr = es.address();
            e.data = es.data();
            e.masked = es.masked();
            e.updated = es.updated();
            e.pirq = es.pirq();
        }
    }
}
