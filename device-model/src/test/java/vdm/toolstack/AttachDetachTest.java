package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.LinkDevice;
import vdm.pci.Sbdf;
import vdm.model.Preset;
import vdm.errno.Errno;

/** Attach and detach refuse bad requests clearly and change nothing when they fail. */
class AttachDetachTest {
    private static final Sbdf NIC = DefaultHost.NIC, GPU = DefaultHost.GPU;

    @Test
    void badAttachAndDetachRequestsAreRefusedAndChangeNothing() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        int a = vdm.libxl().domainCreate(1), b = vdm.libxl().domainCreate(1);
        String before = SystemState.of(vdm);
        AttachResult r = vdm.libxl().pciAttach(a, NIC, 5);
        assertEquals(-Errno.EINVAL, r.rc());
        assertEquals("PCI device 0000:00:03.0 is not assignable", r.message());
        assertEquals(before, SystemState.of(vdm));
        assertEquals(-Errno.ESRCH, vdm.libxl().pciAttach(42, NIC, 5).rc());
        assertEquals(-Errno.ENODEV, vdm.libxl().pciAttach(a, Sbdf.parse("00:1f.7"), 5).rc());
        assertEquals(-Errno.ENODEV, vdm.libxl().pciDetach(a, NIC).rc());
        assertEquals(before, SystemState.of(vdm));

        assertEquals(0, vdm.libxl().pciAssignableAdd(NIC));
        assertTrue(vdm.libxl().pciAttach(a, NIC, 5).ok());
        String attached = SystemState.of(vdm);
        AttachResult twice = vdm.libxl().pciAttach(a, NIC, 6);
        assertEquals(-Errno.EBUSY, twice.rc());
        AttachResult other = vdm.libxl().pciAttach(b, NIC, 5);
        assertEquals("PCI device 0000:00:03.0 already assigned to domain 1", other.message());
        assertEquals(-Errno.ENODEV, vdm.libxl().pciDetach(b, NIC).rc(), "detach from the wrong domain");
        assertEquals(-Errno.EBUSY, vdm.libxl().pciAssignableRemove(NIC, true), "still attached");
        assertEquals(attached, SystemState.of(vdm));
    }

    @Test
    void aFailedAttachUndoesEveryStepBeforeIt() {
        // Fix C off: map_pirq succeeds, then the permission fails; the pirq, the binding and the assignment go.
        Vdm vdm = Vdm.defaultHost().fixes(Preset.UPSTREAM.fixes().withSetupGsi(false)).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(NIC));
        int d = vdm.libxl().domainCreate(1);
        String before = SystemState.of(vdm);
        AttachResult r = vdm.libxl().pciAttach(d, NIC, 5);
        assertFalse(r.ok());
        assertEquals("xc_domain_irq_permission", r.step());
        assertEquals(before, SystemState.of(vdm));
    }

    @Test
    void attachDetachCyclesLeaveNothingBehind() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(NIC));
        int d = vdm.libxl().domainCreate(1);
        String before = SystemState.of(vdm);
        for (int i = 0; i < 50; i++) {
            assertTrue(vdm.libxl().pciAttach(d, NIC, 5).ok());
            assertTrue(vdm.libxl().pciDetach(d, NIC).ok());
        }
        assertEquals(before, SystemState.of(vdm));
    }

    @Test
    void aLinkReroutedBySrsLeavesSysfsGsiAndPrivcmdsGsiStale() {
        // Bjorn Helgaas's review point: a GSI cached when the device was enabled goes stale when _SRS re-routes
        // the link. Upstream's privcmd answers what pciback recorded at seize (pcistub_get_gsi_from_sbdf returns
        // psdev->gsi, set in pcistub_init_device), so it is stale too.
        Vdm v4 = Vdm.defaultHost().preset(Preset.SERIES_V4).build();
        Sbdf nvme = DefaultHost.NVME;
        assertEquals(0, v4.libxl().pciAssignableAdd(nvme));
        int cached = v4.kernel().sysfs(nvme).gsi().orElseThrow();
        LinkDevice lnka = v4.host().link("LNKA").orElseThrow();
        int other = lnka.possible().stream().filter(g -> g != lnka.current()).findFirst().orElseThrow();
        lnka.setResource(other);
        assertEquals(cached, v4.kernel().sysfs(nvme).gsi().orElseThrow(), "sysfs keeps the old GSI");
        assertEquals(other, v4.host().route(nvme).orElseThrow().gsi());

        Vdm up = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        assertEquals(0, up.libxl().pciAssignableAdd(nvme));
        LinkDevice link = up.host().link("LNKA").orElseThrow();
        int recorded = link.current();
        int fresh = link.possible().stream().filter(g -> g != link.current()).findFirst().orElseThrow();
        link.setResource(fresh);
        assertEquals(recorded, up.kernel().privcmd().pcidevGetGsi(nvme), "privcmd answers the GSI recorded at seize");
        assertEquals(fresh, up.host().route(nvme).orElseThrow().gsi(), "while _PRT now says another");
        assertEquals(-Errno.ENODEV, up.kernel().privcmd().pcidevGetGsi(GPU), "not a pciback device");
        assertEquals(0, up.libxl().pciAssignableAdd(DefaultHost.ACCELERATOR));
        assertEquals(-Errno.EPERM, up.kernel().privcmd().pcidevGetGsi(DefaultHost.ACCELERATOR),
                "no legacy interrupt: psdev->gsi stays -1 and privcmd returns it as it is");
    }
}
