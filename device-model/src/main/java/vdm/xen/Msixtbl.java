package vdm.xen;

import java.util.concurrent.ConcurrentHashMap;
import vdm.log.Level;
import vdm.pci.Sbdf;

/**
 * Xen's msixtbl (xen/arch/x86/hvm/vmsi.c): for an HVM guest whose device model emulates an MSI-X table, Xen registers
 * the guest's table address when a vector is bound with a gtable (msixtbl_pt_register from pt_irq_create_bind, one
 * entry per device, counted) and intercepts the guest's accesses to it before the device model (msixtbl_range,
 * msixtbl_read, msixtbl_write): the Vector Control mask bit of an entry Xen has a vector for is applied to the
 * physical entry by Xen itself (guest_mask_msi_irq), reads of it answer the guest's mask, and address/data writes are
 * shadowed for the first three entries and go on to the device model, which binds them. An unmask after an
 * address/data change goes to the device model first and is applied when it is done (msix_write_completion), as is an
 * unmask the device model's bind made possible (the snoop).
 *
 * With XENFEAT_dm_msix_all_writes (Xen 4.19, {@link XenConfig#dmMsixAllWrites}) every write Xen handles also goes to
 * the device model (_msixtbl_write returns X86EMUL_UNHANDLEABLE), and the rest of the pages that hold the table are
 * Xen's too (adjacent_read / adjacent_write, from the same series): reads and writes reach the device, except writes
 * to a page shared with the PBA. Without it (4.18) those accesses are the device model's.
 *
 * vdm initialises a domain's msixtbl (msixtbl_init, at the assignment of an MSI-X device upstream) on its first
 * register. Register and unregister run under {@link MsiIrqs}' lock, as Xen holds the event lock, and publish the
 * domain's tables as a new array (Xen's RCU list). The access path allocates nothing: finding the table is a scan of
 * the domain's few tables, and its msi_desc an index into the device's {@link MsixDescs}; claims and reads take no
 * lock (Xen: rcu_read_lock), writes take {@link MsiIrqs}' lock for the shadow and the mask (Xen: the desc's lock).
 */
public final class Msixtbl {
    private static final int ENTRY_SIZE = 16, VECTOR_CTRL = 12, MASKBIT = 1, ACC_ENTRIES = 3, PAGE_SHIFT = 12;
    /** msixtbl_write's results: handled by Xen, or to the device model. */
    private static final long HANDLED = -1, UNHANDLEABLE = -2;

    /** struct msixtbl_entry: one device's guest table. */
    private static final class Table {
        final Sbdf sbdf;
        final long gtable;
        final int len;
        /** The device's MSI-X msi_descs by entry (entry->pdev->msi_list). */
        final MsixDescs descs;
        int refcnt;
        /** table_flags: the entries whose address or data the guest wrote since the last unmask. */
        final long[] flags;
        /** gentries: the shadowed address low, high and data of the first three entries; acc_valid as a bit mask. */
        final int[] shadow = new int[3 * ACC_ENTRIES];
        int accValid;
        boolean warnedPba;

        Table(Sbdf sbdf, long gtable, int entries, MsixDescs descs) {
            this.sbdf = sbdf;
            this.descs = descs;
            this.gtable = gtable;
            this.len = entries * ENTRY_SIZE;
            this.flags = new long[(entries + 63) / 64];
        }

        boolean samePages(long addr) {
            long page = addr >>> PAGE_SHIFT;
            return page >= gtable >>> PAGE_SHIFT && page <= (gtable + len - 1) >>> PAGE_SHIFT;
        }

        boolean inTable(long addr) {
            return addr >= gtable && addr < gtable + len;
        }
    }

    private final Xen xen;
    private static final Table[] NONE = new Table[0];
    /** Each initialised domain's handler, which holds d->arch.hvm.msixtbl_list. */
    private final ConcurrentHashMap<Domain, Intercept> intercepts = new ConcurrentHashMap<>();

    Msixtbl(Xen xen) {
        this.xen = xen;
    }

    /** msixtbl_pt_register(d, pirq, gtable): 0 or the errno (-EINVAL: the pirq has no MSI descriptor). */
    int register(Domain d, int pirq, long gtable) {
        synchronized (xen.msi()) {
            MsiDesc desc = xen.msi().descOf(d, pirq);
            if (desc == null) return -vdm.errno.Errno.EINVAL;
            Intercept x = intercepts.get(d);
            if (x == null) x = init(d);
            for (Table t : x.tables) {
                if (t.sbdf.equals(desc.sbdf)) {
                    t.refcnt++;
                    return 0;
                }
            }
            PciHardware hw = xen.bus().function(desc.sbdf.packed());
            int entries = hw == null ? 1 : MsiProgramming.msixEntries(hw, desc.pos);
            Table t = new Table(desc.sbdf, gtable, entries, xen.msi().msixDescs(desc.sbdf));
            t.refcnt = 1;
            x.add(t);
            return 0;
        }
    }

    /** msixtbl_pt_unregister(d, pirq): the device's entry goes with its last binding. */
    void unregister(Domain d, int pirq) {
        synchronized (xen.msi()) {
            MsiDesc desc = xen.msi().descOf(d, pirq);
            Intercept x = intercepts.get(d);
            if (desc == null || x == null) return;
            for (Table t : x.tables) {
                if (!t.sbdf.equals(desc.sbdf)) continue;
                if (--t.refcnt == 0) x.tables = java.util.Arrays.stream(x.tables).filter(o -> o != t).toArray(Table[]::new);
                return;
            }
        }
    }

    /** msixtbl_init: the domain's list and its MMIO handler, after the handlers it has. */
    private Intercept init(Domain d) {
        Intercept x = new Intercept(d);
        intercepts.put(d, x);
        d.addMmioIntercept(x);
        return x;
    }

    // ---- state (snapshots)

    /**
     * One registered table: the domain, the device, the guest's table address, its length in entries, how many
     * bindings hold it, the entries changed since their last unmask (table_flags, 64 per long), and the shadowed
     * address/data of the first three entries with their valid bits (gentries, acc_valid).
     */
    public record Entry(int domid, Sbdf sbdf, long gtable, int entries, int refcnt, long[] flags, int[] shadow, int accValid) {}

    /** Every domain's registered tables, by domain id then SBDF. */
    public record State(Entry[] entries) {}

    public State capture() {
        synchronized (xen.msi()) {
            java.util.List<Entry> out = new java.util.ArrayList<>();
            intercepts.forEach((d, x) -> {
                for (Table t : x.tables) {
                    out.add(new Entry(d.id(), t.sbdf, t.gtable, t.len / ENTRY_SIZE, t.refcnt, t.flags.clone(), t.shadow.clone(), t.accValid));
                }
            });
            out.sort(java.util.Comparator.comparingInt(Entry::domid).thenComparing(Entry::sbdf));
            return new State(out.toArray(Entry[]::new));
        }
    }

    /**
     * Refuses a state that does not fit before anything changes: an entry of a domain {@code hasDomain} denies, of a
     * function this host lacks or that has no MSI-X capability, or whose length is not the device's table size
     * (add_msixtbl_entry: table_len = pdev->msix->nr_entries * PCI_MSIX_ENTRY_SIZE, nr_entries from Message Control's
     * Table Size), a second entry for one device in a domain, or malformed flags or shadow.
     */
    public void check(State s, java.util.function.IntPredicate hasDomain) {
        if (s == null || s.entries() == null) throw new IllegalArgumentException("msixtbl: no state");
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (Entry e : s.entries()) {
            if (e == null || e.sbdf() == null || e.flags() == null || e.shadow() == null) throw new IllegalArgumentException("msixtbl: an incomplete entry");
            if (!hasDomain.test(e.domid())) throw new IllegalArgumentException("msixtbl entry of " + e.sbdf() + ": no domain " + e.domid());
            // msixtbl_pt_register keeps one entry per device in a domain's list, counting its bindings.
            if (!seen.add((long) e.domid() << 32 | e.sbdf().packed())) {
                throw new IllegalArgumentException("msixtbl entry of " + e.sbdf() + " in d" + e.domid() + " appears twice");
            }
            PciHardware hw = xen.bus().function(e.sbdf().packed());
            int pos = hw == null ? 0 : MsiProgramming.findCapability(hw, MsiProgramming.CAP_ID_MSIX);
            if (pos == 0) {
                throw new IllegalArgumentException("msixtbl entry of " + e.sbdf() + " in d" + e.domid() + ": "
                        + (hw == null ? "no such function on this host" : "the function has no MSI-X capability"));
            }
            int size = MsiProgramming.msixEntries(hw, pos);
            if (e.entries() != size || e.refcnt() < 1 || e.flags().length != (e.entries() + 63) / 64 || e.shadow().length != 3 * ACC_ENTRIES) {
                throw new IllegalArgumentException(String.format(
                        "msixtbl entry of %s in d%d: %d entries (the device's table has %d), refcnt %d, %d flag words, %d shadow dwords",
                        e.sbdf(), e.domid(), e.entries(), size, e.refcnt(), e.flags().length, e.shadow().length));
            }
        }
    }

    /**
     * Puts the tables back ({@link #check} first); a domain that had none is initialised (its intercept added) once.
     * A domain {@code domains} no longer gives (dropped, or replaced by another object of its id) loses its list.
     */
    public void restore(State s, java.util.function.IntFunction<Domain> domains) {
        synchronized (xen.msi()) {
            intercepts.keySet().removeIf(d -> domains.apply(d.id()) != d);
            intercepts.values().forEach(x -> x.tables = NONE);
            for (Entry e : s.entries()) {
                Domain d = domains.apply(e.domid());
                Intercept x = intercepts.get(d);
                if (x == null) x = init(d);
                Table t = new Table(e.sbdf(), e.gtable(), e.entries(), xen.msi().msixDescs(e.sbdf()));
                t.refcnt = e.refcnt();
                System.arraycopy(e.flags(), 0, t.flags, 0, t.flags.length);
                System.arraycopy(e.shadow(), 0, t.shadow, 0, t.shadow.length);
                t.accValid = e.accValid();
                x.add(t);
            }
        }
    }

    /** The guest table addresses registered for domain {@code d} (for tests and invariants). */
    public long[] registered(Domain d) {
        Intercept x = intercepts.get(d);
        return x == null ? new long[0] : java.util.Arrays.stream(x.tables).mapToLong(t -> t.gtable).toArray();
    }

    /** msixtbl_addr_to_desc: the msi_desc of the device's MSI-X entry at {@code addr}, or null. Lock-free. */
    private static MsiDesc desc(Table t, long addr) {
        return t.inTable(addr) ? t.descs.get((int) ((addr - t.gtable) / ENTRY_SIZE)) : null;
    }

    /** Any MSI-X msi_desc of the table's device (for its machine address), or null. Lock-free. */
    private static MsiDesc anyDesc(Table t) {
        return t.descs.any();
    }

    private boolean adjacentHandled() {
        return xen.config().dmMsixAllWrites();
    }

    /** The domain's msixtbl handler (struct hvm_io_ops msixtbl_mmio_ops). */
    private final class Intercept implements MmioIntercept {
        private final Domain d;
        /** d->arch.hvm.msixtbl_list: replaced whole under the MSI irq lock, read without it. */
        volatile Table[] tables = NONE;

        Intercept(Domain d) {
            this.d = d;
        }

        /** Appends a table. Caller holds the MSI irq lock. */
        void add(Table t) {
            Table[] now = java.util.Arrays.copyOf(tables, tables.length + 1);
            now[now.length - 1] = t;
            tables = now;
        }

        /** msixtbl_find_entry: the table on whose pages {@code addr} lies. Lock-free. */
        private Table find(long addr) {
            for (Table t : tables) if (t.samePages(addr)) return t;
            return null;
        }

        /** msixtbl_range: an access to an entry Xen has a vector for, or (4.19) to the rest of the table's pages. */
        @Override
        public boolean claims(Vcpu vcpu, long gaddr) {
            Table t = find(gaddr);
            if (t == null) return false;
            if (!t.inTable(gaddr)) return adjacentHandled();
            return desc(t, gaddr) != null;
        }

        @Override
        public long read(Vcpu vcpu, long gaddr, int size) {
            long v = msixtblRead(gaddr, size);
            return v != UNHANDLEABLE_READ ? v : toDeviceModelRead(vcpu, gaddr, size);
        }

        @Override
        public void write(Vcpu vcpu, long gaddr, int size, long value) {
            if (adjacentHandled()) {
                // _msixtbl_write: an unaligned write is dropped; any other is handled and still goes to the device model
                if ((gaddr & (size - 1)) != 0) return;
                long unmask = msixtblWrite(gaddr, size, value);
                toDeviceModel(vcpu, gaddr, size, value);
                if (unmask >= 0) complete(unmask);
                return;
            }
            long r = msixtblWrite(gaddr, size, value);
            if (r == HANDLED) return;
            toDeviceModel(vcpu, gaddr, size, value);
            if (r >= 0) complete(r);
        }

        private static final long UNHANDLEABLE_READ = Long.MIN_VALUE;

        /** msixtbl_read; {@link #UNHANDLEABLE_READ} where Xen leaves the read to the device model. */
        private long msixtblRead(long gaddr, int size) {
            if ((gaddr & (size - 1)) != 0) return UNHANDLEABLE_READ;
            // no lock: Xen's msixtbl_read runs under rcu_read_lock only
            Table t = find(gaddr);
            if (t == null) return UNHANDLEABLE_READ;
            if (!t.inTable(gaddr)) return adjacentRead(t, gaddr, size);
            if (size != 4 && size != 8) return UNHANDLEABLE_READ;
            int offset = (int) (gaddr & (ENTRY_SIZE - 1));
            long value = 0;
            if (offset != VECTOR_CTRL) {
                int nr = (int) ((gaddr - t.gtable) / ENTRY_SIZE), index = offset / 4;
                if (nr >= ACC_ENTRIES || !accValid(t, nr, index)) return UNHANDLEABLE_READ;
                value = t.shadow[nr * 3 + index] & 0xffffffffL;
                if (size == 8) {
                    if (index != 0) offset = VECTOR_CTRL;
                    else if (accValid(t, nr, 1)) value |= (long) t.shadow[nr * 3 + 1] << 32;
                    else return UNHANDLEABLE_READ;
                }
            }
            if (offset == VECTOR_CTRL) {
                MsiDesc m = desc(t, gaddr);
                if (m == null) return UNHANDLEABLE_READ;
                long masked = m.guestMasked ? MASKBIT : 0;
                value = size == 4 ? masked : value | masked << 32;
            }
            return value;
        }

        /**
         * msixtbl_write: {@link #HANDLED}, {@link #UNHANDLEABLE} (the device model's), or the Vector Control address
         * of an unmask the device model must see first (msix_unmask_address), completed after it.
         */
        private long msixtblWrite(long gaddr, int size, long value) {
            if ((gaddr & (size - 1)) != 0) return HANDLED; // unaligned: ignored
            synchronized (xen.msi()) {
                Table t = find(gaddr);
                if (t == null) return UNHANDLEABLE;
                if (!t.inTable(gaddr)) {
                    if (!adjacentHandled()) return UNHANDLEABLE;
                    adjacentWrite(t, gaddr, size, value);
                    return HANDLED;
                }
                if (size != 4 && size != 8) return UNHANDLEABLE;
                int nr = (int) ((gaddr - t.gtable) / ENTRY_SIZE);
                int offset = (int) (gaddr & (ENTRY_SIZE - 1));
                long address = gaddr, val = value;
                if (offset != VECTOR_CTRL) {
                    int index = offset / 4;
                    if (nr < ACC_ENTRIES) {
                        t.shadow[nr * 3 + index] = (int) val;
                        t.accValid |= 1 << (nr * 3 + index);
                        if (size == 8 && index == 0) {
                            t.shadow[nr * 3 + 1] = (int) (val >>> 32);
                            t.accValid |= 1 << (nr * 3 + 1);
                        }
                    }
                    t.flags[nr >>> 6] |= 1L << nr;
                    if (size != 8 || index == 0) return UNHANDLEABLE;
                    val >>>= 32;
                    address += 4;
                }
                // "Exit to device model when unmasking and address/data got modified."
                if ((val & MASKBIT) == 0 && (t.flags[nr >>> 6] & 1L << nr) != 0) {
                    t.flags[nr >>> 6] &= ~(1L << nr);
                    return address;
                }
                MsiDesc m = desc(t, address);
                if (m == null) return UNHANDLEABLE;
                xen.msi().setMask(m, m.hostMasked, (val & MASKBIT) != 0); // guest_mask_msi_irq
                return HANDLED;
            }
        }

        private boolean accValid(Table t, int nr, int index) {
            return (t.accValid & 1 << (nr * 3 + index)) != 0;
        }

        /** msix_write_completion: the unmask the device model saw first, now applied by Xen. */
        private void complete(long ctrlAddress) {
            if (msixtblWrite(ctrlAddress, 4, 0) != HANDLED) xen.log().log(-1, Level.WARNING, "MSI-X write completion failure");
        }

        /** adjacent_read: the device's memory on the table's first or last page (the fixmap of that page), else ~0. */
        private long adjacentRead(Table t, long gaddr, int size) {
            long ones = size == 8 ? -1L : -1L >>> (64 - 8 * size);
            if (!adjacentHandled()) return UNHANDLEABLE_READ;
            long maddr = adjacentMachine(t, gaddr);
            return maddr < 0 ? ones : xen.bus().mmioRead(maddr, size);
        }

        /** adjacent_write: to the device, unless the PBA shares that page ("discard write to adjacent memory"). */
        private void adjacentWrite(Table t, long gaddr, int size, long value) {
            long maddr = adjacentMachine(t, gaddr);
            if (maddr < 0) return;
            if (pbaShares(t, gaddr)) {
                if (!t.warnedPba) {
                    t.warnedPba = true;
                    xen.log().log(-1, Level.WARNING, String.format("%s: MSI-X table and PBA share a page, discard write to adjacent memory (%#x)",
                            t.sbdf, gaddr));
                }
                return;
            }
            xen.bus().mmioWrite(maddr, size, value);
        }

        /** The machine address of an adjacent access: the same offset in the table's first or last machine page. */
        private long adjacentMachine(Table t, long gaddr) {
            MsiDesc m = anyDesc(t);
            if (m == null) return -1;
            long page = gaddr < t.gtable ? m.tableBase >>> PAGE_SHIFT : (m.tableBase + t.len - 1) >>> PAGE_SHIFT;
            return page << PAGE_SHIFT | (gaddr & ((1 << PAGE_SHIFT) - 1));
        }

        /** get_adjacent_idx's PBA check: the table's last page is the PBA's first, or its first the PBA's last. */
        private boolean pbaShares(Table t, long gaddr) {
            MsiDesc m = anyDesc(t);
            PciHardware hw = m == null ? null : xen.bus().function(t.sbdf.packed());
            if (hw == null) return false;
            int pba = hw.read(m.pos + 8, 4);
            long pbaAddress = MsiProgramming.readMemBar(hw, pba & 7) + (pba & ~7);
            long pbaFirst = pbaAddress >>> PAGE_SHIFT, pbaLast = (pbaAddress + ((t.len / ENTRY_SIZE + 63) / 64) * 8 - 1) >>> PAGE_SHIFT;
            long tableFirst = m.tableBase >>> PAGE_SHIFT, tableLast = (m.tableBase + t.len - 1) >>> PAGE_SHIFT;
            return gaddr >= t.gtable ? tableLast == pbaFirst : tableFirst == pbaLast;
        }

        private long toDeviceModelRead(Vcpu vcpu, long gaddr, int size) {
            MmioIntercept dm = d.ioreqServer();
            if (dm != null && dm.claims(vcpu, gaddr)) return dm.read(vcpu, gaddr, size);
            return size == 8 ? -1L : -1L >>> (64 - 8 * size);
        }

        private void toDeviceModel(Vcpu vcpu, long gaddr, int size, long value) {
            MmioIntercept dm = d.ioreqServer();
            if (dm != null && dm.claims(vcpu, gaddr)) dm.write(vcpu, gaddr, size, value);
        }

        /** The snoop (msixtbl_range, msixtbl_pt_register, msix_write_completion) of a write Xen did not claim. */
        void snooped(long gaddr, int size, long value) {
            long addr = gaddr, data = value;
            if (size == 8) {
                data >>>= 32;
                addr += 4;
            } else if (size != 4) {
                return;
            }
            if ((addr & (ENTRY_SIZE - 1)) != VECTOR_CTRL || (data & MASKBIT) != 0) return;
            Table t = find(addr);
            if (t != null && desc(t, addr) != null) complete(addr);
        }
    }

    /**
     * After the device model handled a write no intercept claimed: an unmask of a Vector Control whose entry the device
     * model's bind just registered is applied now (the vCPU Xen snooped, found by msixtbl_pt_register). Allocation-free.
     */
    void afterDeviceModel(Vcpu vcpu, long gaddr, int size, long value) {
        Intercept x = intercepts.get(vcpu.domain());
        if (x != null) x.snooped(gaddr, size, value);
    }
}
