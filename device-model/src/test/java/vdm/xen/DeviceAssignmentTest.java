package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;

/**
 * XEN_DOMCTL_assign_device as Xen with Intel VT-d answers it (assign_device, domain_context_mapping): a host bridge
 * may belong to the hardware domain only, bridges and endpoints go to a guest; and the quarantine's answer.
 */
class DeviceAssignmentTest {
    private static boolean hostBridge(PhysicalFunction f) {
        return (f.read(ConfigRegisters.CLASS_REVISION, 4) >>> 16) == 0x0600;
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void aHostBridgeIsRefusedToAGuestWithEpermAndLeavesTheHardwareDomainsVpci(TestHost h) {
        Host host = Host.create(h.description()).enumerate();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Domain guest = xen.createDomain(1);
        int bridges = 0;
        for (PhysicalFunction f : host.functions()) {
            if (!hostBridge(f)) continue;
            bridges++;
            Sbdf s = f.sbdf();
            Vpci vpci = dom0.vpci(s);
            Assignment a = xen.assignDevice(guest.id(), s);
            assertEquals(-Errno.EPERM, a.rc());
            assertTrue(xen.log().contains("d" + guest.id() + ": assign (" + s + ") failed (-1)"), xen.log().dmesg());
            assertSame(vpci, dom0.vpci(s), "the hardware domain keeps the very vPCI it had");
            assertNull(xen.assignedTo(s));
            assertEquals(0, xen.quarantineDevice(s), "basic quarantine unmaps from the hardware domain, which passes");
        }
        assertEquals(1, bridges);
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void everyOtherFunctionGoesToAGuestAndThenCannotBeQuarantined(TestHost h) {
        Host host = Host.create(h.description()).enumerate();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        xen.createDom0(Domain.Kind.PVH, 1);
        Domain guest = xen.createDomain(1);
        for (PhysicalFunction f : host.functions()) {
            if (hostBridge(f)) continue;
            Sbdf s = f.sbdf();
            Assignment a = xen.assignDevice(guest.id(), s);
            assertEquals(0, a.rc(), () -> s + " (bridges get no context entry and pass)");
            assertEquals(-Errno.EBUSY, xen.quarantineDevice(s), "device_assigned: a domU holds it");
            xen.undoAssignment(a);
            assertEquals(0, xen.quarantineDevice(s));
        }
        assertFalse(xen.log().contains("failed"), xen.log().dmesg());
        assertEquals(-Errno.ENODEV, xen.quarantineDevice(Sbdf.parse("00:1f.7")));
    }
}
