package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.pci.Sbdf;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.IoApic;
import vdm.ioapic.RedirectionEntry;
import vdm.pci.ResetKind;

/** Physdev ops and domctls, errno for errno, under the 4.19 and 4.20 behaviours. */
class PhysdevTest {
    private static GsiSpace twoIoApics() {
        return GsiSpace.of(IoApic.builder().id(0).pins(24).gsiBase(0).build(),
                IoApic.builder().id(1).pins(32).gsiBase(24).address(0xfec01000L).build());
    }

    private static Xen xen(XenConfig config, Domain.Kind dom0Kind) {
        Xen xen = new Xen(config, new TestBus().add("0000:00:03.0", "e1000"), twoIoApics(), 9);
        xen.createDom0(dom0Kind, 1);
        return xen;
    }

    @Test
    void mapPirqFromAPvhDom0IsRefusedByTheOldFilterAndAcceptedByTheNew() {
        Xen old = xen(XenConfig.XEN_4_19, Domain.Kind.PVH);
        Domain domU = old.createDomain(1);
        PhysdevOps.PirqResult r = old.physdev().mapPirq(old.dom0(), domU.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, 28);
        assertEquals(-Errno.ENOSYS, r.rc());
        assertEquals("Function not implemented", Errno.text(r.rc()));
        Xen fixed = xen(XenConfig.UPSTREAM, Domain.Kind.PVH);
        Domain u = fixed.createDomain(1);
        r = fixed.physdev().mapPirq(fixed.dom0(), u.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, 28);
        assertEquals(0, r.rc());
        assertEquals(28, r.pirq());
        assertEquals(28, u.pirqs().irq(28));
        assertTrue(u.irqPermitted(28), "map_domain_pirq grants the target the irq");
        assertEquals(0, fixed.physdev().unmapPirq(fixed.dom0(), u.id(), 28));
        assertFalse(u.irqPermitted(28));
        assertEquals(-Errno.EINVAL, fixed.physdev().unmapPirq(fixed.dom0(), u.id(), 28), "not mapped any more");
    }

    @Test
    void aPvDom0PassesNoFilter() {
        Xen x = xen(XenConfig.XEN_4_19, Domain.Kind.PV);
        Domain u = x.createDomain(1);
        assertEquals(0, x.physdev().mapPirq(x.dom0(), u.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, 28).rc());
        assertEquals(0, x.physdev().setupGsi(x.dom0(), 30, 1, 1));
    }

    @Test
    void irqPermissionFailsWithEpermForAGsiDom0NeverMapped() {
        Xen x = xen(XenConfig.UPSTREAM, Domain.Kind.PVH);
        Domain u = x.createDomain(1);
        assertEquals(-Errno.EPERM, x.domctls().irqPermission(x.dom0(), u.id(), 28, true));
        // A PV dom0 registered its GSI and holds pirq == gsi: the same call succeeds.
        Xen pv = xen(XenConfig.UPSTREAM, Domain.Kind.PV);
        Domain pu = pv.createDomain(1);
        assertEquals(0, pv.physdev().mapPirq(pv.dom0(), 0, PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, 28).rc());
        assertEquals(0, pv.domctls().irqPermission(pv.dom0(), pu.id(), 28, true));
        assertTrue(pu.irqPermitted(28));
    }

    @Test
    void setupGsiRegistersTheGsiSoThatThePermissionSucceedsAndASecondCallIsEexist() {
        Xen x = xen(XenConfig.UPSTREAM, Domain.Kind.PVH);
        Domain u = x.createDomain(1);
        assertEquals(-Errno.EPERM, x.domctls().gsiPermission(x.dom0(), u.id(), 28, Domctls.GSI_GRANT));
        assertEquals(0, x.physdev().setupGsi(x.dom0(), 28, 1, 1));
        long entry = x.routing().physical().entry(28);
        assertTrue(RedirectionEntry.isLevel(entry) && RedirectionEntry.isMasked(entry));
        assertEquals(-Errno.EEXIST, x.physdev().setupGsi(x.dom0(), 28, 1, 1));
        assertEquals(0, x.domctls().gsiPermission(x.dom0(), u.id(), 28, Domctls.GSI_GRANT));
        assertTrue(u.irqPermitted(28));
        assertEquals(0, x.domctls().gsiPermission(x.dom0(), u.id(), 28, Domctls.GSI_REVOKE));
        assertFalse(u.irqPermitted(28));
        assertEquals(-Errno.EINVAL, x.domctls().gsiPermission(x.dom0(), u.id(), 28, 2));
        assertEquals(-Errno.ERANGE, x.domctls().gsiPermission(x.dom0(), u.id(), 56, 1));
        assertEquals(-Errno.EPERM, x.domctls().gsiPermission(u, u.id(), 28, 1), "a domU may not grant");
    }

    @Test
    void setupGsiChecksItsArgumentsAndCaller() {
        Xen x = xen(XenConfig.UPSTREAM, Domain.Kind.PVH);
        Domain u = x.createDomain(1);
        assertEquals(-Errno.EINVAL, x.physdev().setupGsi(x.dom0(), 56, 1, 1));
        assertEquals(-Errno.EINVAL, x.physdev().setupGsi(x.dom0(), -1, 1, 1));
        assertEquals(9, x.physdev().setupGsi(x.dom0(), 9, 1, 1), "the SCI answers its own GSI");
        assertEquals(-Errno.ENOSYS, x.physdev().setupGsi(u, 28, 1, 1), "an HVM domU is filtered out");
        Xen old = xen(XenConfig.XEN_4_19, Domain.Kind.PVH);
        assertEquals(-Errno.ENOSYS, old.physdev().setupGsi(old.dom0(), 28, 1, 1), "4.19 does not let a PVH dom0 call it");
    }

    @Test
    void mapPirqChecksDomainPrivilegeRangeAndConflicts() {
        Xen x = xen(XenConfig.UPSTREAM, Domain.Kind.PVH);
        Domain u = x.createDomain(1), v = x.createDomain(1);
        assertEquals(-Errno.ESRCH, x.physdev().mapPirq(x.dom0(), 99, PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, -1).rc());
        assertEquals(-Errno.EPERM, x.physdev().mapPirq(u, v.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, -1).rc());
        assertEquals(-Errno.EINVAL, x.physdev().mapPirq(x.dom0(), u.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 56, -1).rc());
        assertEquals(-Errno.EINVAL, x.physdev().mapPirq(x.dom0(), u.id(), 7, 28, -1).rc());
        PhysdevOps.PirqResult first = x.physdev().mapPirq(x.dom0(), u.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, -1);
        assertEquals(0, first.rc());
        assertEquals(16, first.pirq(), "allocation starts at 16");
        assertEquals(16, x.physdev().mapPirq(x.dom0(), u.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, -1).pirq(),
                "an irq already mapped returns its pirq");
        assertEquals(-Errno.EEXIST, x.physdev().mapPirq(x.dom0(), u.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, 40).rc());
        PhysdevOps.PirqResult msi = x.physdev().mapPirq(x.dom0(), u.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI, -1, -1);
        assertEquals(0, msi.rc());
        assertTrue(u.pirqs().irq(msi.pirq()) >= 56, "MSI irqs come after the GSIs");
        assertEquals(PirqTable.Type.MSI, u.pirqs().type(msi.pirq()));
    }

    @Test
    void dom0UnmaskingAVioapicPinRegistersTheGsiAndMapsPirqEqualGsi() {
        Xen x = xen(XenConfig.UPSTREAM, Domain.Kind.PVH);
        List<IoApic> v = x.dom0VioApics();
        assertEquals(2, v.size());
        assertEquals(0x001f0011, v.get(1).readRegister(1), "mirrors the second IO-APIC: 32 pins, version 0x11");
        assertEquals(24, v.get(1).gsiBase());
        v.get(1).setEntry(4, RedirectionEntry.fixed(0x41, vdm.ioapic.TriggerMode.LEVEL, vdm.ioapic.Polarity.ACTIVE_LOW, 0));
        assertTrue(x.routing().programmed(28));
        assertEquals(28, x.dom0().pirqs().irq(28));
        assertTrue(x.dom0().pirqs().bound(28));
        // Once setup_gsi registered a GSI, unmasking finds -EEXIST: success, and no pirq is mapped.
        assertEquals(0, x.physdev().setupGsi(x.dom0(), 30, 1, 1));
        v.get(1).setEntry(6, RedirectionEntry.fixed(0x42, vdm.ioapic.TriggerMode.LEVEL, vdm.ioapic.Polarity.ACTIVE_LOW, 0));
        assertEquals(0, x.dom0().pirqs().irq(30));
    }

    @Test
    void pciDeviceResetRebuildsVpciFromTheHardwareAndChecksItsArguments() {
        Xen x = xen(XenConfig.UPSTREAM, Domain.Kind.PVH);
        List<String> calls = new ArrayList<>();
        x.addHypercallListener((c, name, args, rc) -> calls.add(name + " " + args + " = " + Errno.name(rc)));
        Sbdf nic = Sbdf.parse("00:03.0");
        Vcpu v = x.dom0().vcpu(0);
        x.ecamWrite(v, nic.devfn() << 12 | 0x10, 4, 0xfebc0000);
        x.ecamWrite(v, nic.devfn() << 12 | 0x04, 2, 0x0002);
        assertTrue(x.dom0().header(nic).bar(0).enabled());
        // The device is reset (its config space as the hardware does it), then Xen is told.
        PciHardwareReset.flr(x, nic);
        assertEquals(0, x.physdev().pciDeviceReset(x.dom0(), nic, PhysdevOps.RESET_FLR));
        assertFalse(x.dom0().header(nic).bar(0).enabled());
        assertTrue(x.dom0().p2m().isEmpty());
        assertEquals(-Errno.EINVAL, x.physdev().pciDeviceReset(x.dom0(), nic, 4));
        assertEquals(-Errno.ENODEV, x.physdev().pciDeviceReset(x.dom0(), Sbdf.parse("00:1f.0"), 3));
        Domain u = x.createDomain(1);
        assertEquals(-Errno.ENOSYS, x.physdev().pciDeviceReset(u, nic, 3));
        assertEquals("PHYSDEVOP_pci_device_reset sbdf=0000:00:03.0 flags=3 = 0", calls.getFirst());
        Xen old = xen(XenConfig.XEN_4_19, Domain.Kind.PVH);
        assertEquals(-Errno.ENOSYS, old.physdev().pciDeviceReset(old.dom0(), nic, 3));
    }

    /** Resets the test bus's device behind Xen's back, as pciback's __pci_reset_function_locked does. */
    static final class PciHardwareReset {
        static void flr(Xen x, Sbdf sbdf) {
            ((TestBus) x.bus()).space(sbdf.toString()).reset(ResetKind.FLR);
        }
    }
}
