package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.errno.Errno;
import vdm.host.WideHost;
import vdm.invariants.InvariantMonitor;
import vdm.invariants.Violation;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.scenario.GuestOps;
import vdm.system.Machine;
import vdm.xen.Domain;
import vdm.xen.IoPorts;
import vdm.xen.P2m;

/**
 * Guest IO BARs as QEMU's xen_pt maps them (xen_pt_region_update -> XEN_DOMCTL_ioport_mapping) after libxl granted the
 * ports (pci_add_dm_done -> xc_domain_ioport_permission), with Xen's checks from xen/arch/x86/domctl.c.
 */
class GuestIoBarTest {
    private static Machine wide() {
        return Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
    }

    private static XenPtDevice attach(Machine m, Sbdf sbdf, int domid) {
        assertEquals(0, m.libxl().pciAssignableAdd(sbdf));
        assertTrue(m.libxl().pciAttach(domid, sbdf, 5).ok());
        return m.libxl().device(sbdf);
    }

    @Test
    void theGuestsIoBarReachesTheMachinePortsTheDeviceDecodesOnceItTurnsIoDecodingOn() {
        Machine m = wide();
        int domid = m.libxl().domainCreate(1);
        XenPtDevice pt = attach(m, WideHost.VIRTIO_NET, domid);
        Domain guest = m.xen().domain(domid);
        long host = m.host().require(WideHost.VIRTIO_NET).barAddress(0);
        int size = (int) (m.kernel().sysfs(WideHost.VIRTIO_NET).regions()[0].end() - host + 1);
        assertTrue(guest.ioPorts().permitted((int) host, (int) host + size - 1), "libxl granted the BAR's ports");
        assertTrue(guest.ioPorts().isEmpty(), "nothing mapped before the guest decodes IO");

        pt.guestWrite(0x10, 4, 0xc100);
        assertTrue(guest.ioPorts().isEmpty(), "a BAR write alone maps nothing while IO decoding is off");
        pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | 0x1);
        assertEquals(host + 4, guest.ioPorts().translate(0xc104, 1));
        assertEquals(-1, guest.ioPorts().translate(0xc100 + size, 1), "past the BAR");

        pt.guestWrite(0x10, 4, 0xd000); // a move: QEMU removes the old range and adds the new one
        assertEquals(-1, guest.ioPorts().translate(0xc104, 1));
        assertEquals(host, guest.ioPorts().translate(0xd000, 1));

        pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) & ~0x1);
        assertTrue(guest.ioPorts().isEmpty(), "IO decoding off removes the range");
        assertTrue(InvariantMonitor.check(m).stream().noneMatch(v -> v.invariant().equals("ioport-decoded")));
    }

    @Test
    void detachUnmapsTheIoBarAndRevokesThePorts() {
        Machine m = wide();
        int domid = m.libxl().domainCreate(1);
        XenPtDevice pt = attach(m, WideHost.VIRTIO_NET, domid);
        List<GuestOps.GuestBar> bars = GuestOps.reached(GuestOps.programBars(m, pt), pt);
        assertTrue(bars.stream().anyMatch(b -> b.space() == vdm.scenario.GuestBarPlan.Space.IO && GuestOps.deviceDecodes(m, pt, b)), bars::toString);
        assertTrue(m.libxl().pciDetach(domid, WideHost.VIRTIO_NET).ok());
        Domain guest = m.xen().domain(domid);
        assertTrue(guest.ioPorts().isEmpty());
        assertTrue(guest.ioPorts().caps().isEmpty(), "pci_remove_detached revokes the ports");
    }

    @Test
    void xenRefusesAMappingOfPortsTheGuestWasNotGrantedWithEperm() {
        Machine m = wide();
        int domid = m.libxl().domainCreate(1);
        Domain dom0 = m.xen().dom0();
        P2m.Owner owner = new P2m.Owner(WideHost.VIRTIO_NET, 0);
        assertEquals(-Errno.EPERM, m.xen().domctls().ioportMapping(dom0, domid, 0xc000, 0xc020, 0x20, true, owner));
        assertEquals(0, m.xen().domctls().ioportPermission(dom0, domid, 0xc020, 0x20, true));
        assertEquals(0, m.xen().domctls().ioportMapping(dom0, domid, 0xc000, 0xc020, 0x20, true, owner));
        // the remove finds the range by machine port and size only (the guest port is not compared)
        assertEquals(0, m.xen().domctls().ioportMapping(dom0, domid, 0x1234, 0xc020, 0x20, false, null));
        assertEquals(-Errno.ENOENT, m.xen().domctls().ioportMapping(dom0, domid, 0xc000, 0xc020, 0x20, false, null));
    }

    @Test
    void xenChecksPortRangesAndPermissionsAsDomctlDoes() {
        Machine m = wide();
        int domid = m.libxl().domainCreate(1);
        Domain dom0 = m.xen().dom0();
        P2m.Owner owner = new P2m.Owner(WideHost.VIRTIO_NET, 0);
        assertEquals(-Errno.EINVAL, m.xen().domctls().ioportPermission(dom0, domid, 0xfff0, 0x20, true), "past MAX_IOPORTS");
        assertEquals(-Errno.EPERM, m.xen().domctls().ioportPermission(dom0, domid, 0xcfc, 4, true), "dom0 itself may not use 0xcfc");
        assertEquals(-Errno.EOPNOTSUPP, m.xen().domctls().ioportMapping(dom0, 0, 0xc000, 0xc020, 0x20, true, owner), "dom0 is not HVM");
        assertEquals(-Errno.EINVAL, m.xen().domctls().ioportMapping(dom0, domid, 0xfff0, 0xc020, 0x20, true, owner));
        assertEquals(0, m.xen().domctls().ioportPermission(dom0, domid, 0xc000, 0x100, true));
        assertEquals(0, m.xen().domctls().ioportMapping(dom0, domid, 0x1000, 0xc020, 0x20, true, owner));
        // Xen's overlap test (fmp + np >= mport && mport + np >= fmp) refuses a range that touches one mapped
        assertEquals(-Errno.EBUSY, m.xen().domctls().ioportMapping(dom0, domid, 0x2000, 0xc040, 0x20, true, owner));
        assertEquals(-Errno.EBUSY, m.xen().domctls().ioportMapping(dom0, domid, 0x2000, 0xc030, 0x20, true, owner));
        assertEquals(0, m.xen().domctls().ioportMapping(dom0, domid, 0x2000, 0xc080, 0x20, true, owner));
        assertFalse(IoPorts.hardwareDomainCaps().get(0xcf9), "reset control stays with Xen");
    }

    @Test
    void theIoportInvariantFiresOnARangeTheDeviceDoesNotDecode() {
        Machine m = wide();
        int domid = m.libxl().domainCreate(1);
        attach(m, WideHost.VIRTIO_NET, domid);
        Domain dom0 = m.xen().dom0();
        long host = m.host().require(WideHost.VIRTIO_NET).barAddress(0);
        // a mapping the device does not decode (IO decoding is off on the device until the guest turns it on)
        assertEquals(0, m.xen().domctls().ioportMapping(dom0, domid, 0xc000, (int) host, 0x20, true, new P2m.Owner(WideHost.VIRTIO_NET, 0)));
        List<Violation> v = InvariantMonitor.check(m);
        assertTrue(v.stream().anyMatch(x -> x.invariant().equals("ioport-decoded")), v::toString);
    }
}
