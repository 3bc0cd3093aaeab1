package vdm.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Fix;
import vdm.model.Preset;
import vdm.persist.Snapshot;
import vdm.system.Machine;

/**
 * A vPCI whose MSI-X init failed and was masked (here: the NVMe behind the default host's hot-plug root port,
 * replugged under Xen without 7c24d58a6e) is a state of its own: captured, restored over one that traps MSI-X and
 * back, hashed apart from it, and saved and loaded by the snapshot document.
 */
class MaskedMsixRestoreTest {
    private static Vdm model() {
        return Vdm.defaultHost().fixes(Preset.UPSTREAM.fixes().with(Fix.MSIX_HOLE_ENABLED_BARS, false)).invariants(false).build();
    }

    @Test
    void aMaskedMsixIsRestoredOverATrappedOneAndBack() {
        Vdm m = model();
        ModelState trapped = ModelState.capture(m);
        m.kernel().replug(DefaultHost.NVME);
        assertFalse(m.dom0().header(DefaultHost.NVME).msixTrapped(), m.xen().log().dmesg());
        ModelState masked = ModelState.capture(m);
        assertFalse(masked.fingerprint().equals(trapped.fingerprint()));
        trapped.restore(m);
        assertTrue(m.dom0().header(DefaultHost.NVME).msixTrapped());
        assertEquals(trapped.fingerprint(), ModelState.capture(m).fingerprint());
        masked.restore(m);
        assertFalse(m.dom0().header(DefaultHost.NVME).msixTrapped());
        assertEquals(masked.fingerprint(), ModelState.capture(m).fingerprint());
    }

    @Test
    void theSnapshotDocumentKeepsTheMaskedMsix() {
        Vdm m = model();
        m.kernel().replug(DefaultHost.NVME);
        Machine back = Snapshot.load(Snapshot.save(m));
        assertFalse(back.dom0().header(DefaultHost.NVME).msixTrapped());
        assertEquals(ModelState.capture(m).fingerprint(), ModelState.capture(back).fingerprint());
    }
}
