package vdm.invariants;

import java.util.List;
import vdm.host.PhysicalFunction;
import vdm.pci.cap.MsiX;
import vdm.pci.layout.BarKind;
import vdm.pci.layout.Layout;
import vdm.system.Machine;
import vdm.xen.Domain;
import vdm.xen.P2m;

/**
 * The MSI and MSI-X invariants (issue 13), checked with the others by {@link InvariantMonitor}:
 * <ul>
 *   <li>{@code msix-unmapped}: no MSI-X table page is in any domain's p2m, and no PBA page in the hardware domain's.
 *   Xen's vPCI leaves both out of dom0's BAR mappings (modify_bars, vpci_make_msix_hole) and traps them; QEMU's
 *   xen_pt keeps the guest's table page(s) for its "xen-pci-pt-msix" region (xen_pt_msix_init) and maps the rest of
 *   the BAR, the PBA included, which Xen keeps read-only (msix_capability_init adds table and PBA to
 *   mmio_ro_ranges). A table page in a p2m lets the domain program the device's vectors behind Xen's back.</li>
 * </ul>
 */
final class MsiInvariants {
    private MsiInvariants() {}

    private static final long PAGE = 1L << P2m.PAGE_SHIFT;

    static void check(Machine vdm, List<Violation> out) {
        msixUnmapped(vdm, out);
    }

    /** The table's (or PBA's) machine frames, first..last inclusive, where the function's BAR register puts them now. */
    private record Frames(PhysicalFunction f, String what, long first, long last) {}

    static void msixUnmapped(Machine vdm, List<Violation> out) {
        for (PhysicalFunction f : vdm.host().functions()) {
            MsiX cap = msix(f);
            if (cap == null) continue;
            Frames table = frames(f, "table", cap.tableBir(), cap.tableOffset(), (long) cap.tableSize() * 16);
            Frames pba = frames(f, "PBA", cap.pbaBir(), cap.pbaOffset(), ((cap.tableSize() + 63) / 64) * 8L);
            for (Domain d : vdm.xen().domains()) {
                for (P2m.Range r : d.p2m().ranges()) {
                    overlap(d, r, table, out);
                    if (d.isHardwareDomain()) overlap(d, r, pba, out);
                }
            }
        }
    }

    private static void overlap(Domain d, P2m.Range r, Frames x, List<Violation> out) {
        if (x == null || r.mfn() > x.last() || r.mfn() + r.pages() - 1 < x.first()) return;
        long mfn = Math.max(r.mfn(), x.first());
        out.add(new Violation("msix-unmapped", String.format("d%d gfn 0x%x", d.id(), r.gfn() + (mfn - r.mfn())),
                String.format("no mapping of %s's MSI-X %s (mfn 0x%x..0x%x)", x.f().sbdf(), x.what(), x.first(), x.last()),
                String.format("mapped to mfn 0x%x (%s)", mfn, r.owner())));
    }

    /** Null when the BAR is not a memory BAR with an address (nothing there to map). */
    private static Frames frames(PhysicalFunction f, String what, int bir, int offset, long size) {
        if (!f.barImplemented(bir) || f.barSize(bir) == 0 || f.barKind(bir) == BarKind.IO) return null;
        long base = f.barAddress(bir);
        if (base == 0) return null;
        long start = base + offset;
        return new Frames(f, what, start / PAGE, (start + size - 1) / PAGE);
    }

    /** The function's MSI-X capability as its layout declares it, or null. */
    static MsiX msix(PhysicalFunction f) {
        for (Layout.PlacedCapability c : f.layout().capabilities()) {
            if (c.capability() instanceof MsiX x) return x;
        }
        return null;
    }
}
