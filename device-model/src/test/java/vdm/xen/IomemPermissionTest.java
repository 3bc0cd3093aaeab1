package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.errno.Errno;
import vdm.host.WideHost;
import vdm.model.Preset;

/**
 * A domain's iomem permissions (d->iomem_caps) as xen/common/domctl.c's XEN_DOMCTL_iomem_permission grants them and
 * XEN_DOMCTL_memory_mapping asks for them (iomem_access_permitted of the caller, and for an add of the target), and
 * the hardware domain's boot grant (dom0_setup_permissions).
 */
class IomemPermissionTest {
    private static final P2m.Owner GPU_BAR2 = new P2m.Owner(WideHost.GPU, 2);

    @Test
    void theHardwareDomainMayMapEveryFrameButTheLocalApicsAndTheIoApicsPages() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        IomemCaps c = vdm.dom0().iomem();
        assertTrue(c.permitted(0, 0xfebff));
        assertFalse(c.permitted(0xfec00, 0xfec00), "IO-APIC 0's page");
        assertFalse(c.permitted(0xfec10, 0xfec10), "IO-APIC 1's page");
        assertFalse(c.permitted(0xfee00, 0xfee00), "the local APIC's page");
        assertTrue(c.permitted(0xfee01, IomemCaps.MAX_MFN));
        assertFalse(c.permitted(0, IomemCaps.MAX_MFN + 1), "nothing past the physical address width");
    }

    @Test
    void aGuestMayMapOnlyTheFramesItWasPermittedAndRemovingNeedsNoPermission() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        int g = vdm.libxl().domainCreate(1);
        long mfn = 0x8000000, frames = 0x10000;
        assertEquals(-Errno.EPERM, vdm.xen().memoryMapping(vdm.dom0(), g, 0xe0000, mfn, frames, true, GPU_BAR2), "not permitted yet");
        assertEquals(0, vdm.xen().domctls().iomemPermission(vdm.dom0(), g, mfn, frames, true));
        assertEquals(-Errno.EPERM, vdm.xen().memoryMapping(vdm.dom0(), g, 0xe0000, mfn, frames + 1, true, GPU_BAR2), "one frame too many");
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), g, 0xe0000, mfn, frames, true, GPU_BAR2));
        assertEquals(0, vdm.xen().domctls().iomemPermission(vdm.dom0(), g, mfn, frames, false));
        // memory_map:remove asks only the caller (iomem_access_permitted(current->domain, ...))
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), g, 0xe0000, mfn, frames, false, null));
        assertTrue(vdm.xen().domain(g).iomem().isEmpty());
    }

    @Test
    void theDomctlChecksTheRangeTheCallerAndTheCallersOwnPermission() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        int g = vdm.libxl().domainCreate(1);
        Domain guest = vdm.xen().domain(g);
        assertEquals(-Errno.EINVAL, vdm.xen().domctls().iomemPermission(vdm.dom0(), g, Long.MAX_VALUE, 2, true), "wraps");
        assertEquals(-Errno.ESRCH, vdm.xen().domctls().iomemPermission(vdm.dom0(), 77, 0x1000, 1, true));
        assertEquals(-Errno.EPERM, vdm.xen().domctls().iomemPermission(guest, g, 0x1000, 1, true), "XSM_PRIV: the hardware domain only");
        assertEquals(-Errno.EPERM, vdm.xen().domctls().iomemPermission(vdm.dom0(), g, 0xfee00, 1, true), "dom0 may not map the local APIC");
        assertEquals(0, vdm.xen().domctls().iomemPermission(vdm.dom0(), g, 0x5000, 4, false), "revoking what was never granted");
        assertTrue(guest.iomem().isEmpty());
    }

    @Test
    void grantsMergeAndRevokesSplitAsARangesetDoes() {
        IomemCaps c = new IomemCaps();
        c.permit(0x10, 0x1f);
        c.permit(0x20, 0x2f); // touching: one range
        c.permit(0x40, 0x4f);
        assertArrayEquals(new long[] {0x10, 0x2f, 0x40, 0x4f}, c.capRanges());
        c.deny(0x18, 0x41);
        assertArrayEquals(new long[] {0x10, 0x17, 0x42, 0x4f}, c.capRanges());
        c.permit(0x00, 0x50);
        assertArrayEquals(new long[] {0x00, 0x50}, c.capRanges());
        assertTrue(c.anyPermitted(0x50, 0x60));
        assertFalse(c.anyPermitted(0x51, 0x60));
        c.deny(0x00, 0x50);
        assertTrue(c.isEmpty());
    }

    @Test
    void aSnapshotKeepsEachDomainsIomemPermissions() {
        Vdm a = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        int g = a.libxl().domainCreate(1);
        assertEquals(0, a.xen().domctls().iomemPermission(a.dom0(), g, 0x8000000, 0x10, true));
        XenState s = XenState.capture(a.xen());
        assertArrayEquals(new long[] {0x8000000, 0x800000f}, s.domains()[1].iomemCaps());
        Vdm b = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        b.libxl().domainCreate(1);
        s.check(b.xen());
        s.restore(b.xen());
        assertTrue(b.xen().domain(g).iomem().permitted(0x8000000, 0x800000f));
        assertFalse(b.xen().domain(g).iomem().permitted(0x8000010, 0x8000010));
    }
}
