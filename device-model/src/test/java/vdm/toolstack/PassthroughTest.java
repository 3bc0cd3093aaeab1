package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.pci.Sbdf;
import vdm.model.Preset;
import vdm.persist.TraceJson;
import vdm.system.Trace;

class PassthroughTest {
    private static final Sbdf NIC = DefaultHost.NIC;

    @Test
    void underUpstreamThePvhDom0PassesTheNicThroughAndTheGuestGetsItsInterrupt() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(NIC));
        int domid = vdm.libxl().domainCreate(1);
        AttachResult r = vdm.libxl().pciAttach(domid, NIC, 5);
        assertTrue(r.ok(), () -> r + "\n" + TraceJson.lines(vdm.trace()));
        XenPtDevice pt = vdm.libxl().device(NIC);
        assertTrue(pt.interruptBound(), () -> TraceJson.lines(vdm.trace()));
        assertTrue(GuestSteps.programBarsAndReach(vdm, pt), () -> TraceJson.lines(vdm.trace()));
        assertEquals(1, GuestSteps.takeInterrupt(vdm, pt), () -> TraceJson.lines(vdm.trace()));
        assertTrue(vdm.libxl().pciDetach(domid, NIC).ok());
        assertTrue(vdm.xen().domain(domid).p2m().isEmpty());
        assertEquals(0, vdm.libxl().domainDestroy(domid));
        assertFalse(vdm.trace().contains(Trace.Source.XEN, "ignored BAR"));
    }

    @Test
    void underBrokenTheRestoreIsDroppedAndMapPirqIsRefused() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.BROKEN).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(NIC));
        int domid = vdm.libxl().domainCreate(1);
        AttachResult r = vdm.libxl().pciAttach(domid, NIC, 5);
        assertFalse(r.ok());
        assertEquals("xc_physdev_map_pirq", r.step());
        assertTrue(r.message().contains("xc_physdev_map_pirq irq=17 (error=-1): Function not implemented"), r.message());
    }
}
