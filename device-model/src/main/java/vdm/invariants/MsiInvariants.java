package vdm.invariants;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import vdm.pci.Sbdf;
import vdm.toolstack.GuestMsiState;
import vdm.toolstack.GuestMsixState;
import vdm.toolstack.ToolstackState;
import vdm.xen.MsiIrqs;
import vdm.xen.PirqTable;
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
 *   <li>{@code msi-owned}: every MSI pirq a domain has mapped or bound is of a device the domain holds (dom0: one no
 *   guest holds), so a detach leaves none behind and no domain takes another's vectors (XSA-237's rule for map_pirq,
 *   kept from then on).</li>
 *   <li>{@code msi-unmasked-bound}: a vector the guest has enabled and unmasked in QEMU's copy (MSI enabled; an MSI-X
 *   entry programmed and unmasked with MSI-X on and the function unmasked) has a pirq bound in Xen, or its interrupts
 *   are lost.</li>
 * </ul>
 */
final class MsiInvariants {
    private MsiInvariants() {}

    private static final long PAGE = 1L << P2m.PAGE_SHIFT;
    /** PCI_MSI_FLAGS_ENABLE in QEMU's XenPTMSI flags. */
    private static final int MSI_FLAGS_ENABLE = 0x1;

    static void check(Machine vdm, List<Violation> out) {
        msixUnmapped(vdm, out);
        MsiIrqs.State msi = vdm.xen().msi().capture();
        msiOwned(vdm, msi, out);
        unmaskedBound(vdm, msi, out);
    }

    static void msiOwned(Machine vdm, MsiIrqs.State msi, List<Violation> out) {
        Map<Integer, Sbdf> deviceOfIrq = new HashMap<>();
        for (MsiIrqs.DescState d : msi.descs()) deviceOfIrq.put(d.irq(), d.sbdf());
        for (Domain d : vdm.xen().domains()) {
            for (PirqTable.Mapping m : d.pirqs().mappings()) {
                if (m.type() != PirqTable.Type.MSI) continue;
                Sbdf dev = deviceOfIrq.get(m.irq());
                if (dev != null) owned(vdm, d, dev, "pirq " + m.pirq(), out);
            }
        }
        for (MsiIrqs.Binding b : msi.bindings()) {
            Domain d = vdm.xen().domain(b.domid());
            Sbdf dev = deviceOfIrq.get(b.irq());
            if (d != null && dev != null) owned(vdm, d, dev, "binding of pirq " + b.pirq(), out);
        }
    }

    private static void owned(Machine vdm, Domain d, Sbdf dev, String what, List<Violation> out) {
        Domain holder = vdm.xen().assignedTo(dev);
        boolean holds = d.isHardwareDomain() ? holder == null : holder == d;
        if (!holds) {
            out.add(new Violation("msi-owned", "d" + d.id() + " " + what, "an MSI of a device d" + d.id() + " holds",
                    dev + "'s, held by " + (holder == null ? "dom0" : "d" + holder.id())));
        }
    }

    static void unmaskedBound(Machine vdm, MsiIrqs.State msi, List<Violation> out) {
        Set<Long> bound = new HashSet<>();
        for (MsiIrqs.Binding b : msi.bindings()) bound.add((long) b.domid() << 32 | b.pirq());
        for (ToolstackState.Attached a : ToolstackState.capture(vdm.libxl()).attached()) {
            GuestMsiState i = a.msi();
            if (i != null && (i.flags() & MSI_FLAGS_ENABLE) != 0 && !bound.contains((long) a.domid() << 32 | i.pirq())) {
                out.add(new Violation("msi-unmasked-bound", "d" + a.domid() + " " + a.host() + " MSI",
                        "a bound pirq for the vector the guest enabled", i.pirq() < 0 ? "no pirq" : "pirq " + i.pirq() + " not bound"));
            }
            GuestMsixState x = a.msix();
            if (x == null || !x.enabled() || x.maskall()) continue;
            for (int e = 0; e < x.pirq().length; e++) {
                int[] l = x.latch();
                boolean programmed = l[4 * e] != 0 || l[4 * e + 1] != 0 || l[4 * e + 2] != 0;
                if (!programmed || (l[4 * e + 3] & 1) != 0) continue;
                if (!bound.contains((long) a.domid() << 32 | x.pirq()[e])) {
                    out.add(new Violation("msi-unmasked-bound", "d" + a.domid() + " " + a.host() + " MSI-X entry " + e,
                            "a bound pirq for the entry the guest unmasked", x.pirq()[e] < 0 ? "no pirq" : "pirq " + x.pirq()[e] + " not bound"));
                }
            }
        }
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
