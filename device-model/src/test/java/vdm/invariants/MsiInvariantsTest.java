package vdm.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.PhysicalFunction;
import vdm.model.Preset;
import vdm.xen.Domain;
import vdm.xen.P2m;

/**
 * The MSI and MSI-X invariants fire on a model broken on purpose through its own calls, under the broken and upstream
 * presets, and name the place; the healthy scenarios keep them silent ({@code InvariantMonitorTest},
 * {@code ScenarioMsiTest}).
 */
class MsiInvariantsTest {
    /** The NVMe's MSI-X table is at BAR0 + 0x2000 (65 entries, one page), its PBA at BAR0 + 0x3000. */
    private static final long TABLE = 0x2000, PBA = 0x3000;

    private static List<Violation> only(Vdm vdm, String invariant) {
        return InvariantMonitor.check(vdm).stream().filter(v -> v.invariant().equals(invariant)).toList();
    }

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = {"BROKEN", "UPSTREAM"})
    void aTablePageInAGuestsP2mIsFlaggedWithTheFrameAndTheDevice(Preset preset) {
        Vdm vdm = Vdm.defaultHost().preset(preset).build();
        int domid = vdm.libxl().domainCreate(1);
        assertEquals(List.of(), only(vdm, "msix-unmapped"));
        PhysicalFunction nvme = vdm.host().require(DefaultHost.NVME);
        long mfn = (nvme.barAddress(0) + TABLE) >>> P2m.PAGE_SHIFT;
        // A device model that maps the whole BAR, table page included, as QEMU's xen_pt must not.
        assertEquals(0, vdm.xen().domain(domid).p2m().map(0xf000_2000L, 0x1000, mfn << P2m.PAGE_SHIFT, new P2m.Owner(DefaultHost.NVME, 0)));
        assertEquals(List.of(new Violation("msix-unmapped", "d" + domid + " gfn 0xf0002",
                String.format("no mapping of 0000:01:00.0's MSI-X table (mfn 0x%x..0x%x)", mfn, mfn),
                String.format("mapped to mfn 0x%x (0000:01:00.0 BAR0)", mfn))), only(vdm, "msix-unmapped"));
    }

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = {"BROKEN", "UPSTREAM"})
    void aPbaPageIsFlaggedInTheHardwareDomainsP2mButNotInAGuestsWhereXenKeepsItReadOnly(Preset preset) {
        Vdm vdm = Vdm.defaultHost().preset(preset).build();
        int domid = vdm.libxl().domainCreate(1);
        PhysicalFunction nvme = vdm.host().require(DefaultHost.NVME);
        long pba = nvme.barAddress(0) + PBA, mfn = pba >>> P2m.PAGE_SHIFT;
        Domain dom0 = vdm.dom0();
        assertEquals(List.of(), only(vdm, "msix-unmapped"), "vPCI left the PBA page out of dom0's BAR mapping");
        assertEquals(0, vdm.xen().domain(domid).p2m().map(0xf000_3000L, 0x1000, pba, new P2m.Owner(DefaultHost.NVME, 0)));
        assertEquals(List.of(), only(vdm, "msix-unmapped"), "QEMU maps a guest's PBA with the rest of the BAR");
        assertEquals(0, dom0.p2m().map(pba, 0x1000, pba, new P2m.Owner(DefaultHost.NVME, 0)));
        assertEquals(List.of(new Violation("msix-unmapped", String.format("d0 gfn 0x%x", mfn),
                String.format("no mapping of 0000:01:00.0's MSI-X PBA (mfn 0x%x..0x%x)", mfn, mfn),
                String.format("mapped to mfn 0x%x (0000:01:00.0 BAR0)", mfn))), only(vdm, "msix-unmapped"));
    }
}
