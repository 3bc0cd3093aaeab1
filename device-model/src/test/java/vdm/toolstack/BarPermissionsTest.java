package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.WideHost;
import vdm.model.Fix;
import vdm.model.Preset;
import vdm.xen.Domain;

/**
 * libxl's iomem grant at attach (pci_add_dm_done, 0x%llx) and revoke at detach (pci_remove_detached: 0x%x before
 * 421432b822, XSA-476), on the wide host's GPU: BAR0 0xfc000000 (16 MiB), BAR2 0x8000000000 (256 MiB), BAR4
 * 0x8010000000 (32 MiB), the ROM at 0xfd000000.
 */
class BarPermissionsTest {
    private static Vdm attached(boolean resource64) {
        Vdm vdm = Vdm.host(WideHost.description()).fixes(Preset.UPSTREAM.fixes().with(Fix.LIBXL_RESOURCE_64, resource64)).build();
        int g = vdm.libxl().domainCreate(1);
        assertEquals(0, vdm.libxl().pciAssignableAdd(WideHost.GPU));
        assertTrue(vdm.libxl().pciAttach(g, WideHost.GPU, 4).ok());
        return vdm;
    }

    @Test
    void theAttachGrantsEveryMemoryBarAndTheRomAndTheDetachRevokesThem() {
        Vdm vdm = attached(true);
        Domain g = vdm.xen().domain(1);
        assertTrue(g.iomem().permitted(0xfc000, 0xfcfff), "BAR0");
        assertTrue(g.iomem().permitted(0x8000000, 0x800ffff), "BAR2, above 4 GiB");
        assertTrue(g.iomem().permitted(0x8010000, 0x8011fff), "BAR4, above 4 GiB");
        assertTrue(g.iomem().permitted(0xfd000, 0xfd07f), "the ROM");
        assertTrue(vdm.libxl().pciDetach(1, WideHost.GPU).ok());
        assertTrue(g.iomem().isEmpty(), () -> vdm.xen().domain(1).iomem().toString());
    }

    @Test
    void withThe32BitParseTheDetachLeavesTheBarsAboveFourGibPermitted() {
        Vdm vdm = attached(false);
        Domain g = vdm.xen().domain(1);
        assertTrue(vdm.libxl().pciDetach(1, WideHost.GPU).ok(), "the detach itself succeeds: every revoke returns 0");
        assertFalse(g.iomem().anyPermitted(0xfc000, 0xfdfff), "BAR0 and the ROM, below 4 GiB, are revoked");
        assertTrue(g.iomem().permitted(0x8000000, 0x800ffff), "BAR2's line reads start 0: skipped");
        assertTrue(g.iomem().permitted(0x8010000, 0x8011fff), "BAR4's revoke went to frame 0x10000");
        assertTrue(vdm.trace().events().stream().anyMatch(e -> e.message().startsWith("XEN_DOMCTL_iomem_permission = 0")
                && e.detail().contains("first_mfn=0x10000 nr_mfns=0x2000 allow_access=0")));
    }
}
