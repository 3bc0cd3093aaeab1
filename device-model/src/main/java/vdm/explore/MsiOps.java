package vdm.explore;

import java.util.List;
import vdm.errno.Errno;
import vdm.host.MsiOutcome;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.pci.layout.Layout;
import vdm.scenario.GuestMsi;
import vdm.toolstack.XenPtDevice;
import vdm.xen.PhysdevOps;

/**
 * The bodies of the explorer's MSI and MSI-X operations ({@link Op}): the guest's driver on its emulated capability
 * and table, the device raising a vector, dom0 moving the BAR that holds the table, and a map_pirq of an MSI before
 * the device is assigned. The guest uses two MSI-X entries (enough to show one entry's changes leaving another's alone).
 */
final class MsiOps {
    static final int ENTRIES = 2;
    /** The second vector entry 0 is moved to by a table rewrite, and back. */
    static final int OTHER_VECTOR = GuestMsi.FIRST_VECTOR + 0x10;

    private MsiOps() {}

    static XenPtDevice pt(Run r) {
        return r.vdm().libxl().device(r.device());
    }

    static boolean hostHas(Run r, int id) {
        for (Layout.PlacedCapability c : r.vdm().host().require(r.device()).layout().capabilities()) {
            if (!c.extended() && c.id() == id) return true;
        }
        return false;
    }

    static MsiX hostMsix(Run r) {
        for (Layout.PlacedCapability c : r.vdm().host().require(r.device()).layout().capabilities()) {
            if (c.capability() instanceof MsiX x) return x;
        }
        return null;
    }

    /** The device is in the guest and has capability {@code id}. */
    static boolean attachedWith(Run r, int id) {
        return r.attached() && hostHas(r, id);
    }

    /** The guest's MSI-X table address, -1 if the device is not attached, has no MSI-X or its BAR has no guest address. */
    static long guestTable(Run r) {
        XenPtDevice pt = pt(r);
        return pt == null ? -1 : GuestMsi.msixTable(pt);
    }

    static boolean msixEnabled(Run r) {
        XenPtDevice pt = pt(r);
        return pt != null && GuestMsi.msixEnabled(pt);
    }

    static boolean msiEnabled(Run r) {
        XenPtDevice pt = pt(r);
        return pt != null && GuestMsi.msiEnabled(pt);
    }

    /** Entry 0's Vector Control mask bit as the guest reads it from its table. */
    static boolean entryMasked(Run r) {
        return (r.vdm().xen().mmioRead(pt(r).guest().vcpu(0), guestTable(r) + GuestMsi.ENTRY_CTRL, 4) & 1) != 0;
    }

    static int entryCount(Run r) {
        return Math.min(ENTRIES, GuestMsi.msixTableSize(pt(r)));
    }

    static void enableMsix(Run r) {
        GuestMsi.enableMsix(r.vdm(), pt(r), guestTable(r), entryCount(r));
    }

    static void disableMsix(Run r) {
        GuestMsi.disableMsix(r.vdm(), pt(r), guestTable(r), entryCount(r));
    }

    static void maskEntry(Run r, boolean mask) {
        GuestMsi.maskEntry(r.vdm(), pt(r), guestTable(r), 0, mask);
    }

    /** The guest gives entry 0 the other of its two vectors, masked or not as the entry is (the latch decides when it counts). */
    static void reprogram(Run r) {
        XenPtDevice pt = pt(r);
        long table = guestTable(r);
        int data = (int) r.vdm().xen().mmioRead(pt.guest().vcpu(0), table + GuestMsi.ENTRY_DATA, 4);
        int vector = (data & 0xff) == OTHER_VECTOR ? GuestMsi.FIRST_VECTOR : OTHER_VECTOR;
        GuestMsi.writeEntry(r.vdm(), pt, table, new GuestMsi.GuestVector(0, vector, 0));
    }

    /**
     * The device raises MSI-X entry 0. Whenever the guest has bus mastering on, MSI-X enabled, the function unmasked
     * and entry 0 unmasked, exactly one interrupt must reach the guest; otherwise none.
     */
    static List<Failure> fireMsix(Run r) {
        XenPtDevice pt = pt(r);
        boolean deliverable = pt != null && busMaster(pt) && GuestMsi.msixEnabled(pt) && !GuestMsi.maskedAll(pt) && guestTable(r) >= 0 && !entryMasked(r);
        long before = pt == null ? 0 : pt.guest().msiReceipts().total();
        MsiOutcome outcome = r.vdm().host().require(r.device()).fireMsix(0);
        long got = pt == null ? 0 : pt.guest().msiReceipts().total() - before;
        return delivered("MSI-X entry 0", deliverable, outcome, got);
    }

    /** The device raises MSI vector 0: one interrupt in the guest when its MSI is enabled and the vector unmasked, else none. */
    static List<Failure> fireMsi(Run r) {
        XenPtDevice pt = pt(r);
        boolean deliverable = pt != null && busMaster(pt) && GuestMsi.msiEnabled(pt) && !GuestMsi.msiMasked(pt);
        long before = pt == null ? 0 : pt.guest().msiReceipts().total();
        MsiOutcome outcome = r.vdm().host().require(r.device()).fireMsi(0);
        long got = pt == null ? 0 : pt.guest().msiReceipts().total() - before;
        return delivered("MSI vector 0", deliverable, outcome, got);
    }

    /** COMMAND's Bus Master Enable as the guest set it (QEMU passes it to the device): without it nothing is sent. */
    private static boolean busMaster(XenPtDevice pt) {
        return (pt.guestRead(0x04, 2) & 0x4) != 0;
    }

    private static List<Failure> delivered(String what, boolean deliverable, MsiOutcome outcome, long got) {
        if (deliverable && got != 1) {
            return List.of(Failure.diverged(what + " delivery", String.format("%s raised (%s): %d interrupts reached the guest, "
                    + "which has it enabled and unmasked", what, outcome.name().toLowerCase(), got)));
        }
        if (!deliverable && got != 0) {
            return List.of(Failure.diverged(what + " delivery", String.format("%s raised (%s): %d interrupts reached the guest, "
                    + "which has it disabled or masked", what, outcome.name().toLowerCase(), got)));
        }
        return List.of();
    }

    /**
     * dom0 asks Xen to map an MSI of the device into the guest before it is assigned there, as QEMU's
     * xc_physdev_map_pirq_msi would (MAP_PIRQ_TYPE_MSI_SEG, the MSI-X table's BAR base): XSA-237's rule refuses it
     * with -ENODEV; a pirq it gets is a divergence (and the invariants then name what it leaves).
     */
    private static final vdm.toolstack.ToolstackLog.Expected NOT_OWNED = new vdm.toolstack.ToolstackLog.Expected(-Errno.ENODEV,
            "map_domain_pirq refuses an MSI of a device the target domain does not own (XSA-237, pci_get_pdev_by_domain)");

    static List<Failure> mapBeforeAssign(Run r) {
        PhysicalFunction f = r.vdm().host().require(r.device());
        Sbdf s = r.device();
        MsiX x = hostMsix(r);
        long tableBase = x == null ? 0 : f.barAddress(x.tableBir());
        PhysdevOps.MapPirq args = new PhysdevOps.MapPirq(r.domid(), PhysdevOps.MAP_PIRQ_TYPE_MSI_SEG, -1, -1,
                s.segment() << 16 | s.bus(), s.devfn(), 0, tableBase);
        // Refused is what Xen should do (XSA-237), so the trace marks the -ENODEV as expected, not as a failure.
        PhysdevOps.PirqResult[] out = new PhysdevOps.PirqResult[1];
        r.vdm().libxl().log().expecting(NOT_OWNED, () -> (out[0] = r.vdm().xen().physdev().mapPirq(r.vdm().dom0(), args)).rc());
        PhysdevOps.PirqResult res = out[0];
        if (res.rc() == -Errno.ENODEV) return List.of();
        if (res.rc() < 0) return List.of(Failure.refused("map_pirq of an MSI before assign", res.rc(), "map_pirq of an MSI before assign: " + Errno.name(res.rc())));
        return List.of(Failure.diverged("map_pirq of an MSI before assign", String.format(
                "map_pirq of %s's MSI into d%d, which does not hold it, gave pirq %d (XSA-237 refuses it with -ENODEV)", s, r.domid(), res.pirq())));
    }

    /** True for a device whose MSI-X table sits in a BAR other than BAR0 (BAR_MOVE already moves BAR0). */
    static boolean tableOutsideBar0(Run r) {
        MsiX x = hostMsix(r);
        return x != null && x.tableBir() != 0;
    }
}
