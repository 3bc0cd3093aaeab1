package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.host.WideHost;
import vdm.hosts.TestHost;

/**
 * XSA-237's ownership rule in map_domain_pirq (Xen 3308374b1b): with it, pci_get_pdev_by_domain finds an MSI's device
 * among the target's own and refuses another's with -ENODEV; before it, pci_get_pdev found the device whoever owned
 * it, so the map went ahead and programmed the device.
 */
class MsiMapOwnedTest {
    private static PhysdevOps.PirqResult mapNicMsiInto(XenConfig config) {
        Host host = Host.create(TestHost.WIDE.description()).enumerate();
        Xen xen = Xen.onHost(config, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Domain guest = xen.createDomain(1);
        return xen.physdev().mapPirq(dom0, new PhysdevOps.MapPirq(guest.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI_SEG, -1, -1,
                WideHost.NIC.bus(), WideHost.NIC.devfn(), 0, 0));
    }

    @Test
    void withTheCheckAnMsiOfADeviceTheTargetDoesNotOwnIsRefused() {
        assertEquals(-Errno.ENODEV, mapNicMsiInto(XenConfig.UPSTREAM).rc());
    }

    @Test
    void beforeXsa237TheSameMapSucceeds() {
        PhysdevOps.PirqResult r = mapNicMsiInto(XenConfig.UPSTREAM.with(XenConfig.Switch.MSI_MAP_OWNED, false));
        assertEquals(0, r.rc());
        assertTrue(r.pirq() > 0, "a pirq of the guest's");
    }
}
