package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;
import vdm.pci.Sbdf;

/**
 * MSI pirqs on a real host, from Xen's code: PHYSDEVOP_map_pirq with the device (physdev.c, irq.c
 * allocate_and_map_msi_pirq / map_domain_pirq, msi.c msi_capability_init and write_msi_msg), XSA-237's ownership
 * rule, XEN_DOMCTL_bind_pt_irq for PT_IRQ_TYPE_MSI (hvm.c pt_irq_create_bind) with the guest's mask, delivery of
 * Xen's vector as the guest's (vmsi.c vmsi_deliver), and unmap_domain_pirq's pci_disable_msi.
 */
class MsiPirqTest {
    static final int MSI_FLAGS_ENABLE = 1;

    /** A Xen with a PVH dom0 and one 2-vCPU guest on the host. */
    record Rig(Host host, Xen xen, Domain dom0, Domain guest) {
        static Rig on(TestHost h) {
            Host host = Host.create(h.description()).enumerate();
            Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
            Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
            return new Rig(host, xen, dom0, xen.createDomain(2));
        }

        PhysdevOps.MapPirq msi(Domain target, Sbdf s) {
            return new PhysdevOps.MapPirq(target.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI_SEG, -1, -1, s.segment() << 16 | s.bus(), s.devfn(), 0, 0);
        }
    }

    /** The host's endpoints with an MSI capability, found as Xen finds it (the capability list). */
    static List<PhysicalFunction> msiFunctions(Rig r) {
        return r.host().functions().stream()
                .filter(f -> (f.read(0x0e, 1) & 0x7f) == 0)
                .filter(f -> MsiProgramming.findCapability(r.xen().bus().function(f.sbdf().packed()), MsiProgramming.CAP_ID_MSI) != 0)
                .toList();
    }

    static int msiPos(PhysicalFunction f) {
        int pos = f.read(0x34, 1) & ~3;
        while (pos != 0 && (f.read(pos, 1) != MsiProgramming.CAP_ID_MSI)) pos = f.read(pos + 1, 1) & ~3;
        return pos;
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void mapPirqOfAnMsiProgramsXensOwnMessageIntoTheDeviceAndMasksWhatCanBeMasked(TestHost h) {
        Rig r = Rig.on(h);
        List<PhysicalFunction> fs = msiFunctions(r);
        assertFalse(fs.isEmpty(), "the host has MSI devices");
        for (PhysicalFunction f : fs) {
            assertEquals(0, r.xen().assignDevice(r.guest().id(), f.sbdf()).rc());
            PhysdevOps.PirqResult res = r.xen().physdev().mapPirq(r.dom0(), r.msi(r.guest(), f.sbdf()));
            assertEquals(0, res.rc(), f.sbdf() + ": " + r.xen().log().dmesg());
            int irq = r.guest().pirqs().irq(res.pirq());
            assertTrue(irq >= r.xen().routing().gsiLimit(), "an MSI irq comes after the GSIs");
            assertEquals(PirqTable.Type.MSI, r.guest().pirqs().type(res.pirq()));
            assertTrue(r.guest().irqPermitted(irq), "map_domain_pirq grants the target the irq");
            MsiIrqs.DescState d = r.xen().msi().descState(irq);
            assertNotNull(d);
            assertEquals(f.sbdf(), d.sbdf());
            int pos = msiPos(f);
            int control = f.read(pos + 2, 2);
            boolean is64 = (control & 0x80) != 0;
            assertEquals(0xfee00000, f.read(pos + 4, 4), "msi_compose_msg: 0xfee00000, physical mode, CPU 0");
            if (is64) assertEquals(0, f.read(pos + 8, 4));
            assertEquals(0x4000 | d.vector(), f.read(pos + (is64 ? 12 : 8), 2), "edge, assert, fixed, Xen's vector");
            assertTrue(d.vector() >= 0x30 && d.vector() <= 0xef);
            assertEquals(0, control & MSI_FLAGS_ENABLE, "Xen leaves enabling MSI to the hardware domain");
            if ((control & 0x100) != 0) assertEquals(1, f.read(pos + (is64 ? 16 : 12), 4) & 1, "msi_capability_init masks every vector");
        }
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void mapPirqOfAnMsiForADeviceTheDomainDoesNotOwnFailsEnodevAndLeavesNothing(TestHost h) {
        Rig r = Rig.on(h);
        for (PhysicalFunction f : msiFunctions(r)) {
            int before = f.read(msiPos(f) + 4, 4);
            PhysdevOps.PirqResult res = r.xen().physdev().mapPirq(r.dom0(), r.msi(r.guest(), f.sbdf()));
            assertEquals(-Errno.ENODEV, res.rc(), "XSA-237: pci_get_pdev(d, sbdf) finds only d's devices");
            assertEquals(0, r.guest().pirqs().mappings().length);
            assertEquals(before, f.read(msiPos(f) + 4, 4), "the device is untouched");
            assertEquals(0, r.xen().msi().capture().descs().length);
            // Assigned to the guest, dom0 cannot map it for itself either: pdev->domain is the guest.
            assertEquals(0, r.xen().assignDevice(r.guest().id(), f.sbdf()).rc());
            assertEquals(-Errno.ENODEV, r.xen().physdev().mapPirq(r.dom0(), r.msi(r.dom0(), f.sbdf())).rc());
        }
        Sbdf absent = new Sbdf(0, 0x7f, 31, 7);
        assertEquals(-Errno.ENODEV, r.xen().physdev().mapPirq(r.dom0(), r.msi(r.dom0(), absent)).rc());
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void aBoundPirqDeliversTheGuestsVectorToTheGuestsDestinationOnlyWhileBound(TestHost h) {
        Rig r = Rig.on(h);
        PhysicalFunction f = msiFunctions(r).get(0);
        r.xen().assignDevice(r.guest().id(), f.sbdf());
        int pirq = r.xen().physdev().mapPirq(r.dom0(), r.msi(r.guest(), f.sbdf())).pirq();
        int irq = r.guest().pirqs().irq(pirq);
        MsiIrqs.DescState d = r.xen().msi().descState(irq);
        long address = MsiIrqs.composeAddress(d.destApic());
        int data = MsiIrqs.composeData(d.vector());

        r.xen().msi().message(address, data);
        assertEquals(0, r.guest().msiReceipts().total(), "mapped but not bound: the irq is acked and nothing is delivered");

        // The guest asked for vector 0x51 on APIC id 2 (vCPU 1), fixed delivery, unmasked.
        int gflags = MsiGflags.of(0x51, 0xfee02000L, false);
        assertEquals(0, r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), pirq, 0x51, gflags, 0));
        assertTrue(r.guest().pirqs().bound(pirq));
        MsiIrqs.Binding b = r.xen().msi().binding(r.guest(), pirq);
        assertEquals(0x51, b.gvec());
        assertEquals(gflags & ~MsiGflags.UNMASKED, b.gflags(), "Xen keeps the gflags without UNMASKED");
        assertFalse(r.xen().msi().descState(irq).guestMasked(), "UNMASKED unmasks (guest_mask_msi_irq)");
        r.xen().msi().message(address, data);
        assertEquals(1, r.guest().msiReceipts().count(0x51));
        assertEquals(2, r.guest().msiReceipts().destination(0x51));
        assertEquals(0, r.dom0().msiReceipts().total());

        // A second bind updates the vector in place (hvm.c: "update guest data/addr").
        int moved = MsiGflags.of(0x62, 0xfee00000L, false);
        assertEquals(0, r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), pirq, 0x62, moved, 0));
        r.xen().msi().message(address, data);
        assertEquals(1, r.guest().msiReceipts().count(0x62));
        assertEquals(0, r.guest().msiReceipts().destination(0x62));
        assertEquals(1, r.guest().msiReceipts().count(0x51));

        assertEquals(0, r.xen().domctls().unbindPtIrqMsi(r.dom0(), r.guest().id(), pirq, 0x62, moved));
        assertNull(r.xen().msi().binding(r.guest(), pirq));
        assertTrue(r.xen().msi().descState(irq).guestMasked(), "pt_irq_destroy_bind leaves the vector masked");
        assertTrue(r.xen().msi().descState(irq).hostMasked(), "pirq_guest_unbind shuts the irq down");
        r.xen().msi().message(address, data);
        assertEquals(2, r.guest().msiReceipts().total(), "unbound: nothing more arrives");
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void bindChecksTheCallerThePirqAndTheDomain(TestHost h) {
        Rig r = Rig.on(h);
        PhysicalFunction f = msiFunctions(r).get(0);
        r.xen().assignDevice(r.guest().id(), f.sbdf());
        int pirq = r.xen().physdev().mapPirq(r.dom0(), r.msi(r.guest(), f.sbdf())).pirq();
        int gflags = MsiGflags.of(0x40, 0xfee00000L, false);
        assertEquals(-Errno.ESRCH, r.xen().domctls().bindPtIrqMsi(r.dom0(), 99, pirq, 0x40, gflags, 0));
        assertEquals(-Errno.EPERM, r.xen().domctls().bindPtIrqMsi(r.guest(), r.guest().id(), pirq, 0x40, gflags, 0), "XSM_DM_PRIV");
        assertEquals(-Errno.EPERM, r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), pirq - 1, 0x40, gflags, 0), "a pirq with no irq");
        assertEquals(-Errno.EINVAL, r.xen().msi().createBind(r.guest(), pirq - 1, 0x40, gflags, 0), "pt_irq_create_bind of an unmapped pirq");
        assertEquals(-Errno.EINVAL, r.xen().msi().createBind(r.guest(), -1, 0x40, gflags, 0));
        assertEquals(0, r.xen().domctls().unbindPtIrqMsi(r.dom0(), r.guest().id(), pirq, 0x40, gflags), "an unbind of a mapped, unbound pirq");
        assertEquals(-Errno.EINVAL, r.xen().msi().destroyBind(r.guest(), pirq - 1), "pt_irq_destroy_bind finds no irq descriptor");
        assertNull(r.xen().msi().binding(r.guest(), pirq));
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void unmapOfABoundMsiPirqForcesTheUnbindDisablesMsiAndFreesTheIrqAndItsVector(TestHost h) {
        Rig r = Rig.on(h);
        PhysicalFunction f = msiFunctions(r).get(0);
        r.xen().assignDevice(r.guest().id(), f.sbdf());
        int pirq = r.xen().physdev().mapPirq(r.dom0(), r.msi(r.guest(), f.sbdf())).pirq();
        int irq = r.guest().pirqs().irq(pirq);
        MsiIrqs.DescState d = r.xen().msi().descState(irq);
        r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), pirq, 0x51, MsiGflags.of(0x51, 0xfee00000L, false), 0);
        int pos = msiPos(f);
        f.write(pos + 2, 2, f.read(pos + 2, 2) | MSI_FLAGS_ENABLE); // the guest's side enabled MSI

        assertEquals(0, r.xen().physdev().unmapPirq(r.dom0(), r.guest().id(), pirq));
        assertTrue(r.xen().log().contains("dom" + r.guest().id() + ": forcing unbind of pirq " + pirq), r.xen().log().dmesg());
        assertEquals(0, r.guest().pirqs().irq(pirq));
        assertFalse(r.guest().irqPermitted(irq));
        assertNull(r.xen().msi().descState(irq));
        assertNull(r.xen().msi().binding(r.guest(), pirq));
        assertEquals(0, f.read(pos + 2, 2) & MSI_FLAGS_ENABLE, "pci_disable_msi");
        r.xen().msi().message(MsiIrqs.composeAddress(d.destApic()), MsiIrqs.composeData(d.vector()));
        assertEquals(0, r.guest().msiReceipts().total());
        assertTrue(r.xen().log().contains(String.format("CPU0: No irq handler for vector %02x (IRQ %d, LAPIC)", d.vector(), ~irq)),
                r.xen().log().dmesg());
        assertEquals(-Errno.EINVAL, r.xen().physdev().unmapPirq(r.dom0(), r.guest().id(), pirq), "not mapped any more");
        // The irq and its vector are free again: the next map may reuse them.
        assertEquals(0, r.xen().physdev().mapPirq(r.dom0(), r.msi(r.guest(), f.sbdf())).rc());
    }
}
