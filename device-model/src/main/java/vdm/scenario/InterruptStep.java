package vdm.scenario;

import java.util.ArrayList;
import java.util.List;
import vdm.host.IntxRoute;
import vdm.pci.Sbdf;
import vdm.pci.cap.Msi;
import vdm.system.Machine;
import vdm.system.Trace;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;
import vdm.xen.IoPorts;
import vdm.xen.P2m;
import vdm.xen.PirqTable;

/**
 * The scenario's guest-interrupt step on the chosen path (INTx, MSI or MSI-X), and the check after the detach that
 * the guest is left with nothing of the device: no pirq, binding, irq permission, p2m or IO port mapping.
 */
final class InterruptStep {
    private InterruptStep() {}

    static Scenario.Step run(Machine vdm, XenPtDevice pt, InterruptPath path) {
        return switch (path) {
            case INTX -> intx(vdm, pt);
            case MSI -> msi(vdm, pt);
            case MSIX -> msix(vdm, pt);
        };
    }

    private static Scenario.Step intx(Machine vdm, XenPtDevice pt) {
        if (pt.interruptPin() == 0) return step(Trace.Verdict.INFO, "no INTx pin and no MSI or MSI-X: the device has no interrupt to take");
        int got = GuestOps.takeInterrupt(vdm, pt);
        IntxRoute r = vdm.host().route(pt.hostAddress()).orElseThrow();
        return step(got == 1 ? Trace.Verdict.OK : Trace.Verdict.FAILED, got == 1
                ? String.format("INTx on GSI %d reached the guest on vector 0x%x", r.gsi(), GuestOps.VECTOR)
                : String.format("INTx on GSI %d: %d interrupts reached the guest", r.gsi(), got));
    }

    /** The guest enables MSI (one vector, all QEMU's xen_pt supports) and the device raises it. */
    private static Scenario.Step msi(Machine vdm, XenPtDevice pt) {
        if (GuestMsi.capability(pt, Msi.ID) < 0) return step(Trace.Verdict.FAILED, "the guest sees no MSI capability");
        GuestMsi.GuestVector v = GuestMsi.enableMsi(pt);
        GuestMsi.Receipt got = GuestMsi.fireMsi(vdm, pt, v);
        if (!got.arrived()) return step(Trace.Verdict.FAILED, "MSI " + got.describe());
        return step(Trace.Verdict.OK, String.format("MSI reached the guest on vector 0x%x, destination %d", v.vector(), got.destination()));
    }

    /**
     * The guest enables MSI-X, programs the first few entries of its table in its own BAR page, unmasks them, and the
     * device raises each: each must arrive once on its own vector at its own destination.
     */
    private static Scenario.Step msix(Machine vdm, XenPtDevice pt) {
        int size = GuestMsi.msixTableSize(pt);
        if (size == 0) return step(Trace.Verdict.FAILED, "the guest sees no MSI-X capability");
        long table = GuestMsi.msixTable(pt);
        if (table < 0) return step(Trace.Verdict.FAILED, "the guest's BAR holding the MSI-X table got no address");
        List<GuestMsi.GuestVector> vectors = GuestMsi.enableMsix(vdm, pt, table, Math.min(size, GuestMsi.MSIX_VECTORS));
        StringBuilder ok = new StringBuilder();
        for (GuestMsi.GuestVector v : vectors) {
            GuestMsi.Receipt got = GuestMsi.fireMsix(vdm, pt, v);
            if (!got.arrived()) return step(Trace.Verdict.FAILED, "MSI-X " + got.describe());
            if (!ok.isEmpty()) ok.append(", ");
            ok.append(String.format("0x%x", v.vector()));
        }
        return step(Trace.Verdict.OK, String.format("MSI-X table at guest 0x%x: %d of %d entries reached the guest (vectors %s)",
                table, vectors.size(), size, ok));
    }

    private static Scenario.Step step(Trace.Verdict verdict, String summary) {
        return new Scenario.Step("guest-interrupt", verdict, summary);
    }

    /**
     * What guest {@code d}, which held only {@code device}, still has after its detach: pirqs (mapped or bound, GSI
     * or MSI), irq permissions, and the device's p2m and IO port ranges. Empty when the detach tore everything down.
     */
    static List<String> leftovers(Domain d, Sbdf device) {
        List<String> left = new ArrayList<>();
        for (PirqTable.Mapping m : d.pirqs().mappings()) {
            left.add(String.format("pirq %d (%s irq %d%s)", m.pirq(), m.type(), m.irq(), m.bound() ? ", bound" : ""));
        }
        if (!d.irqCaps().isEmpty()) left.add("irq permissions " + d.irqCaps());
        for (P2m.Range r : d.p2m().ranges()) {
            if (r.owner().device().equals(device)) left.add(String.format("p2m gfn 0x%x -> mfn 0x%x (%s)", r.gfn(), r.mfn(), r.owner()));
        }
        for (IoPorts.Range r : d.ioPorts().ranges()) {
            if (r.owner().device().equals(device)) left.add(String.format("IO ports 0x%x -> 0x%x (%s)", r.gport(), r.mport(), r.owner()));
        }
        return left;
    }
}
