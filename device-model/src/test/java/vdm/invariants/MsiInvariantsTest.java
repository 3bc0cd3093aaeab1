package vdm.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.PhysicalFunction;
import vdm.model.Preset;
import vdm.scenario.GuestMsi;
import vdm.scenario.GuestOps;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;
import vdm.xen.MsiIrqs;
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

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = {"BROKEN", "UPSTREAM"})
    void aVectorTheGuestUnmaskedWhoseBindingXenDroppedIsFlagged(Preset preset) {
        // A PV dom0: broken's PVH dom0 cannot map a guest's MSI pirq at all (hvm_physdev_op).
        Vdm vdm = Vdm.defaultHost().preset(preset).dom0(Domain.Kind.PV).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.ACCELERATOR));
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(domid, DefaultHost.ACCELERATOR, 5).ok());
        XenPtDevice pt = vdm.libxl().device(DefaultHost.ACCELERATOR);
        GuestOps.programBars(vdm, pt);
        GuestMsi.enableMsix(vdm, pt, GuestMsi.msixTable(pt), 1);
        assertEquals(List.of(), only(vdm, "msi-unmasked-bound"));
        assertEquals(List.of(), only(vdm, "msi-owned"));
        MsiIrqs.Binding b = vdm.xen().msi().capture().bindings()[0];
        // The binding dropped behind QEMU's back (as a failed rebind would leave it).
        assertEquals(0, vdm.xen().domctls().unbindPtIrqMsi(vdm.dom0(), domid, b.pirq(), b.gvec(), b.gflags()));
        assertEquals(List.of(new Violation("msi-unmasked-bound", "d" + domid + " 0000:00:04.0 MSI-X entry 0",
                "a bound pirq for the entry the guest unmasked", "pirq " + b.pirq() + " not bound")), only(vdm, "msi-unmasked-bound"));
    }

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = {"BROKEN", "UPSTREAM"})
    void aGuestsMsiPirqAndBindingOfADeviceItNoLongerHoldsAreFlagged(Preset preset) {
        Vdm vdm = Vdm.defaultHost().preset(preset).dom0(Domain.Kind.PV).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.ACCELERATOR));
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(domid, DefaultHost.ACCELERATOR, 5).ok());
        XenPtDevice pt = vdm.libxl().device(DefaultHost.ACCELERATOR);
        GuestOps.programBars(vdm, pt);
        GuestMsi.enableMsix(vdm, pt, GuestMsi.msixTable(pt), 1);
        assertEquals(List.of(), only(vdm, "msi-owned"));
        MsiIrqs.Binding b = vdm.xen().msi().capture().bindings()[0];
        // The device goes back to dom0 behind the toolstack's back (XEN_DOMCTL_deassign_device with QEMU still bound).
        assertEquals(0, vdm.xen().deassignDevice(domid, DefaultHost.ACCELERATOR));
        String why = "0000:00:04.0's, held by dom0";
        assertEquals(List.of(
                new Violation("msi-owned", "d" + domid + " pirq " + b.pirq(), "an MSI of a device d" + domid + " holds", why),
                new Violation("msi-owned", "d" + domid + " binding of pirq " + b.pirq(), "an MSI of a device d" + domid + " holds", why)),
                only(vdm, "msi-owned"));
    }
}
