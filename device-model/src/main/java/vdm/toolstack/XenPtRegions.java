package vdm.toolstack;

import java.util.Arrays;
import java.util.Objects;
import vdm.dom0.SysfsDevice;
import vdm.xen.IoPorts;
import vdm.xen.P2m;

/**
 * QEMU's memory and IO listeners for one passed-through device (hw/xen/xen_pt.c: xen_pt_region_add / _del ->
 * xen_pt_region_update): pci_update_mappings puts a memory BAR into the guest's memory space while the guest decodes
 * memory, and an IO BAR into its 64 KiB IO space while it decodes IO (pci_bar_address: a non-zero address that does
 * not wrap); each section becomes XEN_DOMCTL_memory_mapping or XEN_DOMCTL_ioport_mapping onto the host BAR the kernel
 * reports in {@code resource}. The BAR that holds the MSI-X table has QEMU's table region laid over it (priority 2), so
 * its sections are the parts before and after the region, each mapped with its first frame and length rounded up as
 * xen_pt_region_update rounds them (XEN_PFN(x + XC_PAGE_SIZE - 1)); the region itself becomes QEMU's
 * ({@link XenPtMsix#regionUpdate}).
 */
final class XenPtRegions {
    private final PtContext ctx;
    private final SysfsDevice.Resource[] resources;
    /** The BARs QEMU mapped for the guest, by BAR index (null: not mapped); the whole BAR, holes derived from it. */
    private final BarMapping[] mapped = new BarMapping[6];
    private final IoBarMapping[] ioMapped = new IoBarMapping[6];
    /** The device's emulated MSI-X, null if it has none. */
    private XenPtMsix msix;

    XenPtRegions(PtContext ctx, SysfsDevice.Resource[] resources) {
        this.ctx = ctx;
        this.resources = resources;
    }

    void msix(XenPtMsix msix) {
        this.msix = msix;
    }

    /** Whether BAR {@code n} is in the guest's memory now. */
    boolean mapped(int n) {
        return mapped[n] != null;
    }

    BarMapping[] mappings() {
        return Arrays.stream(mapped).filter(Objects::nonNull).toArray(BarMapping[]::new);
    }

    IoBarMapping[] ioMappings() {
        return Arrays.stream(ioMapped).filter(Objects::nonNull).toArray(IoBarMapping[]::new);
    }

    void restore(BarMapping[] maps, IoBarMapping[] ioMaps) {
        Arrays.fill(mapped, null);
        for (BarMapping m : maps) mapped[m.bar()] = m;
        Arrays.fill(ioMapped, null);
        for (IoBarMapping m : ioMaps) ioMapped[m.bar()] = m;
    }

    long barSize(int n) {
        return resources[n].end() - resources[n].start() + 1;
    }

    boolean barImplemented(int n) {
        return resources[n].flags() != 0;
    }

    int barType(int n) {
        long flags = resources[n].flags();
        if ((flags & 0x100) != 0) return 0x1;
        return ((flags & 0x100000) != 0 ? 0x4 : 0) | ((flags & 0x2000) != 0 ? 0x8 : 0);
    }

    /** pci_update_mappings after a guest write of COMMAND, a BAR or the ROM: every BAR as {@code command} decodes it. */
    void update(int command, long[] guestBar) {
        boolean memory = (command & 0x2) != 0, io = (command & 0x1) != 0;
        for (int n = 0; n < 6; n++) {
            if (!barImplemented(n)) continue;
            if ((barType(n) & 1) != 0) updateIoMapping(n, io, guestBar[n]);
            else updateMemoryMapping(n, memory, guestBar[n]);
        }
    }

    private void updateMemoryMapping(int n, boolean decoding, long guestAddress) {
        boolean want = decoding && guestAddress != 0;
        long gfn = 0, mfn = 0, frames = 0;
        if (want) {
            gfn = guestAddress >>> P2m.PAGE_SHIFT;
            mfn = resources[n].start() >>> P2m.PAGE_SHIFT;
            frames = Math.max(1, (barSize(n) + (1 << P2m.PAGE_SHIFT) - 1) >>> P2m.PAGE_SHIFT);
        }
        BarMapping have = mapped[n];
        if (have != null && want && have.covers(gfn, mfn, frames)) return;
        boolean table = msix != null && msix.bar() == n;
        if (have != null) {
            forEachSection(have, table, (g, m, f) -> ctx.xen().memoryMapping(ctx.kernel().domain(), ctx.guest().id(), g, m, f, false, null));
            mapped[n] = null;
            if (table) msix.regionUpdate(false, 0);
        }
        if (want) {
            BarMapping m = new BarMapping(n, gfn, mfn, frames);
            long[][] done = new long[2][];
            int[] count = {0};
            int rc = forEachSection(m, table, (g, mf, f) -> {
                int r = ctx.xen().memoryMapping(ctx.kernel().domain(), ctx.guest().id(), g, mf, f, true, new P2m.Owner(ctx.host(), n));
                if (r == 0) done[count[0]++] = new long[] {g, mf, f};
                return r;
            });
            if (rc == 0) {
                mapped[n] = m;
                if (table) msix.regionUpdate(true, guestAddress + msix.tableOffset());
            } else {
                memError(true, rc);
                // vdm keeps one mapping per BAR: a section that went in comes out again, so the BAR is not half mapped
                for (int i = 0; i < count[0]; i++) {
                    ctx.xen().memoryMapping(ctx.kernel().domain(), ctx.guest().id(), done[i][0], done[i][1], done[i][2], false, null);
                }
            }
        }
    }

    interface Section {
        int map(long gfn, long mfn, long frames);
    }

    /**
     * The BAR's sections as QEMU's flat view has them: the whole BAR, or for the table's BAR the part before the table
     * region and the part after it. Returns the first failure, else 0.
     */
    private int forEachSection(BarMapping m, boolean table, Section s) {
        if (!table) return s.map(m.gfn(), m.mfn(), m.frames());
        long size = barSize(m.bar()), before = msix.tableOffset(), afterStart = before + msix.regionSize();
        long g = m.gfn() << P2m.PAGE_SHIFT, ma = m.mfn() << P2m.PAGE_SHIFT;
        int first = 0;
        if (before > 0) first = s.map(g >>> P2m.PAGE_SHIFT, ma >>> P2m.PAGE_SHIFT, pages(before));
        if (afterStart < size) {
            int rc = s.map(pages(g + afterStart), pages(ma + afterStart), pages(size - afterStart));
            if (first == 0) first = rc;
        }
        return first;
    }

    /** XEN_PFN(x + XC_PAGE_SIZE - 1). */
    private static long pages(long bytes) {
        return (bytes + (1 << P2m.PAGE_SHIFT) - 1) >>> P2m.PAGE_SHIFT;
    }

    /** An IO BAR lies in the guest's IO space only below 64 KiB (address_space_io's size). */
    private void updateIoMapping(int n, boolean decoding, long guestAddress) {
        long size = barSize(n);
        boolean want = decoding && guestAddress != 0 && guestAddress + size <= IoPorts.MAX_IOPORTS;
        int gport = want ? (int) guestAddress : 0, mport = (int) resources[n].start(), ports = (int) size;
        IoBarMapping have = ioMapped[n];
        if (have != null && want && have.covers(gport, mport, ports)) return;
        if (have != null) {
            int rc = ctx.xen().domctls().ioportMapping(ctx.kernel().domain(), ctx.guest().id(), have.gport(), have.mport(), have.ports(), false, null);
            if (rc != 0) ioportError(false, rc);
            ioMapped[n] = null;
        }
        if (want) {
            int rc = ctx.xen().domctls().ioportMapping(ctx.kernel().domain(), ctx.guest().id(), gport, mport, ports, true, new P2m.Owner(ctx.host(), n));
            if (rc == 0) ioMapped[n] = new IoBarMapping(n, gport, mport, ports);
            else ioportError(true, rc);
        }
    }

    /** memory_listener_unregister at unplug: xen_pt_region_del for every section still in the guest's spaces. */
    void removeAll() {
        for (BarMapping m : mapped) {
            if (m == null) continue;
            boolean table = msix != null && msix.bar() == m.bar();
            forEachSection(m, table, (g, mf, f) -> ctx.xen().memoryMapping(ctx.kernel().domain(), ctx.guest().id(), g, mf, f, false, null));
            if (table) msix.regionUpdate(false, 0);
        }
        Arrays.fill(mapped, null);
        for (IoBarMapping m : ioMapped) {
            if (m != null) ctx.xen().domctls().ioportMapping(ctx.kernel().domain(), ctx.guest().id(), m.gport(), m.mport(), m.ports(), false, null);
        }
        Arrays.fill(ioMapped, null);
    }

    /** xen_pt_region_update's XEN_PT_ERR for a memory BAR, with libxc's errno (positive). */
    private void memError(boolean adding, int rc) {
        ctx.error("xen_pt_region_update", rc, "%s mem mapping failed! (err: %d)", adding ? "create new" : "remove old", -rc);
    }

    /** xen_pt_region_update's XEN_PT_ERR, with libxc's errno (positive). */
    private void ioportError(boolean adding, int rc) {
        ctx.error("xen_pt_region_update", rc, "%s ioport mapping failed! (err: %d)", adding ? "create new" : "remove old", -rc);
    }
}
