package vdm.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.LinkDevice;
import vdm.host.WideHost;
import vdm.model.Fix;
import vdm.model.Preset;
import vdm.pci.Sbdf;

/**
 * gsi-current, Bjorn Helgaas's review point on v4 3/3 ("if they are reconfigured at run-time (via _SRS), the cached GSI
 * will be wrong"): upstream's pcistub_get_gsi_from_sbdf answers psdev->gsi, recorded in pcistub_init_device; with the
 * switch pciback answers the route _PRT gives now and sets a GSI that moved up before privcmd hands it out.
 */
class PcibackGsiCurrentTest {
    private static final Sbdf NVME = WideHost.NVME; // INTA -> LNKA (GSI 20..23, 23 at boot)

    private static Vdm seizedThenRerouted(boolean gsiCurrent) {
        Vdm vdm = Vdm.host(WideHost.description()).fixes(Preset.UPSTREAM.fixes().with(Fix.GSI_CURRENT, gsiCurrent)).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(NVME));
        LinkDevice lnka = vdm.host().link("LNKA").orElseThrow();
        assertEquals(23, lnka.current());
        lnka.setResource(20); // _SRS
        return vdm;
    }

    @Test
    void upstreamPrivcmdAnswersTheGsiPcibackRecordedAtSeize() {
        Vdm vdm = seizedThenRerouted(false);
        assertEquals(23, vdm.kernel().pciback().gsi(NVME));
        assertEquals(23, vdm.kernel().privcmd().pcidevGetGsi(NVME));
        assertFalse(vdm.xen().routing().programmed(20), "nobody set the new line up");
    }

    @Test
    void withGsiCurrentPrivcmdAnswersTheLinksRouteNowAndThatGsiIsSetUp() {
        Vdm vdm = seizedThenRerouted(true);
        assertEquals(20, vdm.kernel().pciback().gsi(NVME), "the route _PRT gives now");
        assertFalse(vdm.xen().routing().programmed(20), "not set up before anyone asks");
        assertEquals(20, vdm.kernel().privcmd().pcidevGetGsi(NVME));
        assertTrue(vdm.xen().routing().programmed(20), "PHYSDEVOP_setup_gsi for the line the device is on now");
        assertEquals(20, vdm.kernel().privcmd().pcidevGetGsi(NVME), "asked again: the same answer, nothing set up twice");
    }
}
