package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.snapshot.ModelState;

/** The qdev id device_add gave an attached device is model state: saved, loaded, restored and fingerprinted. */
class QdevIdSnapshotTest {
    private static Vdm attached(String qdevId) {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        vdm.libxl().pciAssignableAdd(DefaultHost.NIC);
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5, qdevId).ok());
        return vdm;
    }

    @Test
    void theQdevIdSurvivesASnapshotAndARestoreInPlace() {
        Vdm a = attached("nic0");
        assertEquals("nic0", a.libxl().device(DefaultHost.NIC).qdevId());
        String saved = Snapshot.save(a);
        assertTrue(saved.contains("\"qdevId\" : \"nic0\""), saved);
        assertEquals("nic0", Vdm.load(saved).libxl().device(DefaultHost.NIC).qdevId());

        ModelState state = ModelState.capture(a);
        a.libxl().pciDetach(a.libxl().device(DefaultHost.NIC).guest().id(), DefaultHost.NIC);
        state.restore(a);
        assertEquals("nic0", a.libxl().device(DefaultHost.NIC).qdevId());
        assertEquals(saved, Snapshot.save(a));
    }

    @Test
    void aDeviceWithoutAnIdHasNoneAndItsDocumentHasNoMember() {
        Vdm a = attached(null);
        assertNull(a.libxl().device(DefaultHost.NIC).qdevId());
        String saved = Snapshot.save(a);
        assertFalse(saved.contains("qdevId"), "documents of models without ids are as before");
        assertNull(Vdm.load(saved).libxl().device(DefaultHost.NIC).qdevId());
        Vdm plain = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        plain.libxl().pciAssignableAdd(DefaultHost.NIC);
        plain.libxl().pciAttach(plain.libxl().domainCreate(1), DefaultHost.NIC, 5);
        assertEquals(saved, Snapshot.save(plain), "the three-argument attach gives no id");
    }

    @Test
    void aDocumentWrittenBeforeDevicesHadIdsLoadsWithNone() {
        String withId = Snapshot.save(attached("nic0"));
        String older = withId.replaceAll(",\\s*\"qdevId\" : \"nic0\"", "");
        assertFalse(older.contains("qdevId"));
        assertNull(Vdm.load(older).libxl().device(DefaultHost.NIC).qdevId());
    }

    @Test
    void aQdevIdThatIsNotAStringIsRefused() {
        String bad = Snapshot.save(attached("nic0")).replace("\"qdevId\" : \"nic0\"", "\"qdevId\" : 7");
        assertTrue(assertThrows(Snapshot.SnapshotException.class, () -> Vdm.load(bad)).getMessage()
                .contains("member 'toolstack.attached[0].qdevId' is an integer, expected a string"));
    }

    @Test
    void theQdevIdIsPartOfTheFingerprint() {
        assertNotEquals(ModelState.capture(attached("nic0")).fingerprint(), ModelState.capture(attached("nic1")).fingerprint());
        assertNotEquals(ModelState.capture(attached("nic0")).fingerprint(), ModelState.capture(attached(null)).fingerprint());
        assertEquals(ModelState.capture(attached("nic0")).fingerprint(), ModelState.capture(attached("nic0")).fingerprint());
    }
}
