package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.MsiOutcome;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.snapshot.ModelState;
import vdm.system.Machine;
import vdm.toolstack.XenPtDevice;

/**
 * The explorer's finding of issue 13: a state restored with MSI-X enabled must keep Xen's msixtbl registration
 * (msixtbl_pt_register, from pt_irq_create_bind, which a restore does not replay). Without it the guest's mask of an
 * entry bypasses msixtbl_write's guest_mask_msi_irq and reaches only QEMU, whose pci_msix_write never masks the device.
 */
class MsixMaskAfterRestoreTest {
    static List<Arguments> devices() {
        Supplier<Machine.Builder> def = () -> Vdm.defaultHost().preset(Preset.UPSTREAM);
        Supplier<Machine.Builder> wide = () -> Vdm.host(WideHost.description()).preset(Preset.UPSTREAM);
        return List.of(Arguments.of("default", def, DefaultHost.NIC), Arguments.of("wide", wide, WideHost.GPU));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("devices")
    void aRestoredStateKeepsTheGuestTableRegisteredSoTheGuestsMaskStopsTheVector(String host, Supplier<Machine.Builder> model, Sbdf device) {
        Run r = new Run(model.get().tracing(false).monitor(Machine.StepMonitor.NONE).build(), device);
        for (Op op : List.of(Op.ASSIGN, Op.ATTACH, Op.GUEST_BAR, Op.MSIX_ENABLE)) {
            assertTrue(op.applies(r), op.label());
            assertEquals(List.of(), op.apply(r), op.label());
        }
        XenPtDevice pt = MsiOps.pt(r);
        long[] registered = r.vdm().xen().msixtbl().registered(pt.guest());
        assertArrayEquals(new long[] {MsiOps.guestTable(r)}, registered, "pt_irq_create_bind registered the guest's table");
        ModelState enabled = ModelState.capture(r.vdm());

        MsiOps.disableMsix(r); // unbinds: msixtbl_pt_unregister drops the table
        assertEquals(0, r.vdm().xen().msixtbl().registered(pt.guest()).length);
        enabled.restore(r.vdm());
        assertEquals(enabled.fingerprint(), ModelState.capture(r.vdm()).fingerprint(), "the restore is exact");
        assertArrayEquals(registered, r.vdm().xen().msixtbl().registered(pt.guest()), "the registration came back with the state");

        MsiOps.maskEntry(r, true);
        long before = pt.guest().msiReceipts().total();
        assertEquals(MsiOutcome.PENDING, r.vdm().host().require(device).fireMsix(0), "Xen masked the physical entry");
        assertEquals(before, pt.guest().msiReceipts().total(), "nothing reached the guest");
        MsiOps.maskEntry(r, false);
        assertEquals(before + 1, pt.guest().msiReceipts().total(), "the unmask sent the pending vector");
    }
}
