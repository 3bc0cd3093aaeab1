package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;

/** The explorer's MSI and MSI-X operations (Op.MSI_SET) on the e1000e (MSI, and MSI-X with its table in BAR3). */
class ExplorerMsiTest {
    private static Explorer.Result explore(Preset p, int depth) {
        return new Explorer(() -> Vdm.defaultHost().preset(p), DefaultHost.NIC, Op.MSI_SET).explore(depth);
    }

    private static String list(Explorer.Result r) {
        return String.join("\n", r.findings().stream().map(f -> String.join(" -> ", f.ordering().stream().map(Op::label).toList()) + "  =>  " + f.message()).toList());
    }

    /**
     * Under upstream nothing diverges. (The one finding this test used to pin, a guest's mask of an unmasked MSI-X entry
     * that did not stop the device's vector, was the snapshot: Xen's state lacked msixtbl's registered tables, so after
     * the explorer restored a state with MSI-X enabled the guest's Vector Control write bypassed Xen's msixtbl_write and
     * its guest_mask_msi_irq, and QEMU's pci_msix_write never masks the physical entry.)
     */
    @Test
    void underUpstreamNothingDiverges() {
        Explorer.Result r = explore(Preset.UPSTREAM, 6);
        assertTrue(r.distinctStates() > 20, "the MSI operations reach states of their own");
        assertEquals(List.of(), r.findings().stream().map(Finding::message).toList(), list(r));
    }

    @Test
    void underBrokenAPvhDom0CannotMapTheGuestsVectorsAndTheInvariantsSayWhatIsLost() {
        Explorer.Result r = explore(Preset.BROKEN, 6);
        List<String> m = r.findings().stream().map(Finding::message).toList();
        // Xen 4.19 refuses PHYSDEVOP_map_pirq from a PVH dom0 (hvm_physdev_op): before assign and at attach alike.
        assertTrue(m.contains("map_pirq of an MSI before assign: -ENOSYS"), list(r));
    }
}
