package vdm.toolstack;

import java.util.Arrays;

/**
 * QEMU's emulated MSI-X of one passed-through device (hw/xen/xen_pt_msi.c, and the MSI-X group of
 * xen_pt_config_init.c): the guest's table lives in QEMU ("xen-pci-pt-msix", a page-rounded region over the table's
 * place in the guest's BAR, left out of the guest's p2m), reached through the guest's ioreq server with 4-byte aligned
 * accesses only (pci_msix_ops: other sizes and unaligned ones are refused by QEMU's memory core: a read gives 0, a
 * write is dropped). Each entry latches what the guest writes; address and data take effect on the next update of an
 * entry that is masked, or whose pirq is new (the latch: a change while unmasked waits for the next masked -> unmasked
 * transition). Message Control's enable and function mask pass through to the device; enabling with the function
 * unmasked maps and binds every updated entry, disabling unbinds and unmaps them all.
 *
 * QEMU runs its emulation under one lock (the BQL): here each access, config write and restore holds this object's
 * monitor, uncontended on the access path and allocation-free.
 *
 * Without XENFEAT_dm_msix_all_writes (Xen before 4.19) Xen handles the guest's mask-bit writes itself and QEMU reads
 * the mask bit from the physical table (its /dev/mem mapping); with it QEMU sees every write and uses its own latch.
 */
final class XenPtMsix {
    static final int FLAGS_ENABLE = 0x8000, FLAGS_MASKALL = 0x4000, FLAGS_QSIZE = 0x07ff;
    static final int ENTRY_SIZE = 16, VECTOR_CTRL = 12, MASKBIT = 1;
    private static final int PAGE = 4096;

    private final PtContext ctx;
    private final XenPtMsiBinding binding;
    private final int base;
    private final int total;
    private final int bar;
    private final int tableOffset;
    /** msix->table_base: the host BAR's address (the kernel's resource), which map_pirq is given. */
    private final long tableBase;
    /** Whether QEMU mapped the physical table (phys_iomem_base): only when Xen lacks XENFEAT_dm_msix_all_writes. */
    private final boolean physicalTable;
    private final int[] latch;
    private final long[] addr;
    private final int[] data;
    private final int[] pirq;
    private final boolean[] updated;
    private boolean enabled, maskall;
    /** msix->mmio_base_addr: the guest address of the table, set whenever the region enters the guest's memory. */
    private long mmioBase;
    /** Whether the region is in the guest's memory space now (the BAR is mapped): the ioreq server asks this. */
    private volatile boolean inSpace;

    /**
     * xen_pt_msix_init and xen_pt_msixctrl_reg_init at realize: the table's size, BIR and offset from the host's
     * capability, every entry unassigned and masked; an MSI-X already enabled on the device is disabled first.
     */
    XenPtMsix(PtContext ctx, int base, int control, int table, long[] barStarts) {
        this.ctx = ctx;
        this.binding = new XenPtMsiBinding(ctx);
        this.base = base;
        total = (control & FLAGS_QSIZE) + 1;
        bar = table & 7;
        tableOffset = table & ~7;
        tableBase = bar < barStarts.length ? barStarts[bar] : 0;
        physicalTable = !ctx.xen().config().dmMsixAllWrites();
        latch = new int[total * 4];
        addr = new long[total];
        data = new int[total];
        pirq = new int[total];
        updated = new boolean[total];
        Arrays.fill(pirq, XenPtMsiBinding.UNASSIGNED);
        for (int i = 0; i < total; i++) latch[i * 4 + 3] = MASKBIT;
    }

    /** xen_pt_msix_init's lines and xen_pt_msixctrl_reg_init at realize: an enabled MSI-X is disabled first. */
    void realize() {
        ctx.info("xen_pt_msix_init", "get MSI-X table BAR base 0x%x", tableBase);
        if (physicalTable) ctx.info("xen_pt_msix_init", "table_off = 0x%x, total_entries = %d", tableOffset, total);
        int control = ctx.hostRead(base + 2, 2);
        if ((control & FLAGS_ENABLE) != 0) {
            ctx.info("xen_pt_msixctrl_reg_init", "MSIX already enabled, disabling it first");
            ctx.hostWrite(base + 2, 2, control & ~FLAGS_ENABLE);
        }
    }

    synchronized GuestMsixState state() {
        return new GuestMsixState(enabled, maskall, mmioBase, inSpace, latch.clone(), addr.clone(), data.clone(), pirq.clone(), updated.clone());
    }

    /** Puts back a captured state; false (and nothing changed) if its table has another size. */
    synchronized boolean restore(GuestMsixState s) {
        if (s.pirq().length != total || s.latch().length != total * 4 || s.addr().length != total || s.data().length != total
                || s.updated().length != total) return false;
        enabled = s.enabled();
        maskall = s.maskall();
        mmioBase = s.mmioBase();
        inSpace = s.inSpace();
        System.arraycopy(s.latch(), 0, latch, 0, latch.length);
        System.arraycopy(s.addr(), 0, addr, 0, total);
        System.arraycopy(s.data(), 0, data, 0, total);
        System.arraycopy(s.pirq(), 0, pirq, 0, total);
        System.arraycopy(s.updated(), 0, updated, 0, total);
        return true;
    }

    int entries() { return total; }
    int bar() { return bar; }
    int tableOffset() { return tableOffset; }
    boolean enabled() { return enabled; }
    int pirq(int entry) { return pirq[entry]; }
    long guestTable() { return mmioBase; }

    /** The region's size: the table rounded up to whole pages (memory_region_init_io in xen_pt_msix_init). */
    long regionSize() {
        return ((long) total * ENTRY_SIZE + PAGE - 1) & -PAGE;
    }

    /** The MSI-X group (grp_size 0x0c). */
    boolean covers(int offset) {
        return offset >= base && offset < base + 0x0c;
    }

    // ---- Message Control (xen_pt_msixctrl_reg_write)

    /**
     * A guest write over the group: only Message Control has a handler (emu_mask 0, so the guest reads the device's
     * value); its enable and function mask pass through (ro_mask 0x07ff, res_mask 0x3800), the rest is not written.
     */
    synchronized void guestWrite(int offset, int size, int value) {
        int ctrlAt = base + 2;
        if (offset + size <= ctrlAt || offset >= ctrlAt + 2) return;
        int valid = 0, val = 0;
        for (int i = 0; i < 2; i++) {
            int b = ctrlAt + i;
            if (b < offset || b >= offset + size) continue;
            valid |= 0xff << (8 * i);
            val |= ((value >>> (8 * (b - offset))) & 0xff) << (8 * i);
        }
        int device = ctx.hostRead(ctrlAt, 2);
        int out = PtContext.merge(val, device, (FLAGS_ENABLE | FLAGS_MASKALL) & valid);
        if ((out & FLAGS_ENABLE) != 0 && (out & FLAGS_MASKALL) == 0) update();
        else if ((out & FLAGS_ENABLE) == 0 && enabled) disable();
        maskall = (out & FLAGS_MASKALL) != 0;
        boolean was = enabled;
        enabled = (out & FLAGS_ENABLE) != 0;
        if (enabled != was) ctx.info("xen_pt_msixctrl_reg_write", "%s MSI-X", enabled ? "enable" : "disable");
        if (out != device) ctx.hostWrite(ctrlAt, 2, out);
    }

    /** xen_pt_msix_update: every entry with its latched Vector Control. */
    private void update() {
        for (int i = 0; i < total; i++) updateOne(i, latch[i * 4 + 3]);
    }

    /**
     * xen_pt_msix_update_one: an entry the guest changed is (re)bound. The latched address and data take effect if
     * the entry has no pirq yet, the function is masked or {@code vectorCtrl} says masked; else the old ones stay until
     * the next masked -> unmasked transition. The pirq is mapped on first use; the bind carries the mask.
     */
    private int updateOne(int n, int vectorCtrl) {
        if (!updated[n]) return 0;
        int p = pirq[n];
        if (p == XenPtMsiBinding.UNASSIGNED || maskall || (vectorCtrl & MASKBIT) != 0) {
            addr[n] = (latch[n * 4] & 0xffffffffL) | (long) latch[n * 4 + 1] << 32;
            data[n] = latch[n * 4 + 2];
        }
        XenPtMsiBinding.Setup s = binding.setup(addr[n], data[n], p, true, n, pirq[n] == XenPtMsiBinding.UNASSIGNED, tableBase);
        if (s.rc() != 0) return s.rc();
        if (pirq[n] == XenPtMsiBinding.UNASSIGNED) pirq[n] = s.pirq();
        int rc = binding.update(addr[n], data[n], s.pirq(), true, n, pirq[n], mmioBase, (vectorCtrl & MASKBIT) != 0);
        if (rc != 0) pirq[n] = XenPtMsiBinding.UNASSIGNED;
        else updated[n] = false;
        return rc;
    }

    /** xen_pt_msix_disable: the device's enable cleared (msix_set_enable), then each entry unbound and unmapped. */
    synchronized void disable() {
        ctx.info("msix_set_enable", "disabling MSI-X.");
        int c = ctx.hostRead(base + 2, 2);
        ctx.hostWrite(base + 2, 2, c & ~FLAGS_ENABLE);
        for (int i = 0; i < total; i++) {
            binding.disable(addr[i], data[i], pirq[i], true, true);
            pirq[i] = XenPtMsiBinding.UNASSIGNED;
            updated[i] = false;
        }
    }

    /**
     * xen_pt_region_update for the table's region: when it enters the guest's memory at {@code guestTable}, QEMU
     * records the address and rebinds every mapped entry with it (xen_pt_msix_update_remap: an unbind of each pirq,
     * the entry marked updated, then xen_pt_msix_update). Leaving the memory changes nothing but the routing.
     */
    synchronized void regionUpdate(boolean adding, long guestTable) {
        inSpace = adding;
        if (!adding) return;
        mmioBase = guestTable;
        for (int i = 0; i < total; i++) {
            if (pirq[i] == XenPtMsiBinding.UNASSIGNED) continue;
            int rc = ctx.xen().domctls().unbindPtIrqMsi(ctx.kernel().domain(), ctx.guest().id(), pirq[i], 0, 0);
            if (rc != 0) ctx.error("xen_pt_msix_update_remap", rc, "unbind MSI-X entry %d failed", pirq[i]);
            updated[i] = true;
        }
        update();
    }

    /** A restore without MSI-X state: the region is where its BAR is, entries as realize left them. */
    synchronized void placeRegion(boolean inGuestMemory, long guestTable) {
        inSpace = inGuestMemory;
        mmioBase = inGuestMemory ? guestTable : 0;
    }

    // ---- the table (pci_msix_ops)

    /** Whether a guest access at {@code gaddr} falls in the region while it is in the guest's memory. Allocation-free. */
    boolean claims(long gaddr) {
        return inSpace && gaddr >= mmioBase && gaddr - mmioBase < regionSize();
    }

    /**
     * pci_msix_read: an entry's latched dword; past the entries the "PBA": the physical table's memory through
     * QEMU's mapping where it has one, else 0xffffffff ("reading PBA").
     */
    synchronized long read(long gaddr, int size) {
        if (size != 4 || (gaddr & 3) != 0) return 0; // memory_region_access_valid refuses it: unassigned_mem_read
        long off = gaddr - mmioBase;
        if (off < (long) total * ENTRY_SIZE) return latch[(int) (off >>> 2)] & 0xffffffffL;
        if (physicalTable) return physicalRead(off) & 0xffffffffL;
        ctx.info("pci_msix_read", "reading PBA, addr 0x%x, offset 0x%x", off, off - (long) total * ENTRY_SIZE);
        return 0xffffffffL;
    }

    /**
     * pci_msix_write: past the entries nothing; an address or data dword equal to the latch of a mapped entry
     * nothing; else the entry is marked updated. An unmask of an updated entry while MSI-X is enabled updates it, with
     * the Vector Control it had before (the physical one without XENFEAT_dm_msix_all_writes, as Xen may have changed
     * it behind QEMU's back). Then the latch takes the value.
     */
    synchronized void write(long gaddr, int size, long value) {
        if (size != 4 || (gaddr & 3) != 0) return; // refused by QEMU's memory core
        long off = gaddr - mmioBase;
        if (off >= (long) total * ENTRY_SIZE) return;
        int n = (int) (off / ENTRY_SIZE), offset = (int) (off % ENTRY_SIZE), val = (int) value;
        if (offset != VECTOR_CTRL) {
            if (latch[n * 4 + offset / 4] == val && pirq[n] != XenPtMsiBinding.UNASSIGNED) return;
            updated[n] = true;
        } else if (enabled && updated[n] && (val & MASKBIT) == 0) {
            updateOne(n, physicalTable ? (int) physicalRead((long) n * ENTRY_SIZE + VECTOR_CTRL) : latch[n * 4 + 3]);
        }
        latch[n * 4 + offset / 4] = val;
    }

    /**
     * QEMU's read through its /dev/mem mapping of the table (phys_iomem_base): dom0's view of the machine address. A
     * PV dom0 maps the machine frame; a PVH dom0's access goes through its p2m and Xen's intercepts.
     */
    private long physicalRead(long offsetInTable) {
        long maddr = tableBase + tableOffset + offsetInTable;
        if (ctx.kernel().pvh()) return ctx.xen().mmioRead(ctx.kernel().domain().vcpu(0), maddr, 4);
        return ctx.kernel().host().mmioRead(maddr, 4);
    }
}
