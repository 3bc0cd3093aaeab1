package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.scenario.Scenario;

/** The guest's emulated config space, as QEMU's xen_pt presents a passed-through device. */
class GuestConfigViewTest {
    private static XenPtDevice attachNic(Vdm vdm) {
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC));
        int d = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(d, DefaultHost.NIC, 5).ok());
        return vdm.libxl().device(DefaultHost.NIC);
    }

    @Test
    void guestBarSizingWorksOnTheCopyAndNeverReachesTheDevice() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        XenPtDevice pt = attachNic(vdm);
        int hostBar0 = vdm.host().read(DefaultHost.NIC, 0x10, 4);
        pt.guestWrite(0x10, 4, 0xffffffff);
        assertEquals(0xfffe0000, pt.guestRead(0x10, 4), "128 KiB memory BAR");
        pt.guestWrite(0x18, 4, 0xffffffff);
        assertEquals(0xffffffe1, pt.guestRead(0x18, 4), "32 B I/O BAR");
        pt.guestWrite(0x30, 4, 0xffffffff);
        assertEquals(0xfffc0001, pt.guestRead(0x30, 4), "256 KiB ROM");
        assertEquals(hostBar0, vdm.host().read(DefaultHost.NIC, 0x10, 4), "the device's BAR is untouched");
        assertEquals(vdm.host().read(DefaultHost.NIC, 0, 4), pt.guestRead(0, 4), "IDs come from the device");
    }

    @Test
    void bitsTheGuestMayNotWriteKeepTheDevicesValue() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        XenPtDevice pt = attachNic(vdm);
        pt.guestWrite(0x00, 4, 0x12345678);
        assertEquals(vdm.host().read(DefaultHost.NIC, 0, 4), pt.guestRead(0, 4));
        pt.guestWrite(0x04, 2, 0xffff);
        assertEquals(0x0507, vdm.host().read(DefaultHost.NIC, 0x04, 2),
                "the pass-through COMMAND bits reach the device");
        pt.guestWrite(0x3c, 1, 0x0a);
        assertEquals(0x0a, pt.guestRead(0x3c, 1), "interrupt line is emulated");
        assertEquals(0x01, pt.guestRead(0x3d, 1), "INTA from the device");
        assertEquals(0, vdm.host().read(DefaultHost.NIC, 0x3c, 1), "and never reaches the device");
    }

    @Test
    void readmesPassthroughExampleBehavesAsWritten() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.BROKEN).build();
        vdm.libxl().pciAssignableAdd(DefaultHost.NIC);
        int domid = vdm.libxl().domainCreate(1);
        AttachResult r = vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5);
        assertEquals("xc_physdev_map_pirq: -ENOSYS (Domain 1:xc_physdev_map_pirq irq=17 (error=-1): Function not implemented)", r.toString());
        Scenario.Result s = Scenario.run(Vdm.defaultHost().preset(Preset.UPSTREAM), DefaultHost.NIC, "upstream");
        assertTrue(s.passed(), s::render);
    }
}
