package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.errno.Errno;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.replay.HostRef;
import vdm.snapshot.ModelState;
import vdm.xen.XenState;

/**
 * The permission state a snapshot document carries: each domain's iomem permissions ({@code iomemCaps}) and the irqs
 * bound not to share ({@code unsharedIrqs}); a document without them is the model before they existed.
 */
class PermissionStateSnapshotTest {
    @Test
    void iomemPermissionsAndAnUnsharedLineSurviveSaveAndLoad() {
        Vdm a = Vdm.host(HostRef.file("wide-edge-lnkb.json").description().get()).preset(Preset.UPSTREAM).build();
        int g = a.libxl().domainCreate(1);
        assertEquals(0, a.xen().domctls().iomemPermission(a.dom0(), g, 0x8000000, 0x10, true));
        assertEquals(11, a.kernel().requestIrq(WideHost.SECOND_FUNCTION)); // dom0 binds GSI 11 edge: unshared
        String saved = Snapshot.save(a);
        assertTrue(saved.contains("\"unsharedIrqs\""), "written once there is one");
        Vdm b = Vdm.load(saved);
        assertEquals(ModelState.capture(a).fingerprint(), ModelState.capture(b).fingerprint());
        XenState x = XenState.capture(b.xen());
        assertArrayEquals(new int[] {11}, x.unsharedIrqs());
        assertArrayEquals(new long[] {0x8000000, 0x800000f}, x.domains()[1].iomemCaps());
        assertEquals(saved, Snapshot.save(b));
    }

    @Test
    void aDocumentWithoutThemGivesDom0ItsBootGrantAndAGuestNone() {
        Vdm a = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        int g = a.libxl().domainCreate(1);
        String old = Snapshot.save(a).replaceAll("(?s)\"iomemCaps\" : \\[[^\\]]*?(\\[[^\\]]*\\][^\\]]*?)*\\],?", "");
        assertTrue(!old.contains("iomemCaps"), old);
        Vdm b = Vdm.load(old);
        assertArrayEquals(a.dom0().iomem().capRanges(), b.dom0().iomem().capRanges());
        assertTrue(b.xen().domain(g).iomem().isEmpty());
        assertEquals(-Errno.EPERM, b.xen().memoryMapping(b.dom0(), g, 0xe0000, 0x8000000, 1, true, null));
    }
}
