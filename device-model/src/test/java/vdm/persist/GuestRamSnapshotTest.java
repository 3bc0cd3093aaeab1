package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.snapshot.ModelState;
import vdm.xen.Domain;
import vdm.xen.GuestRam;
import vdm.xen.P2m;

/** A guest's RAM below 4 GiB, what it lost, and the guests' memory= are model state: saved, loaded, restored and hashed. */
class GuestRamSnapshotTest {
    private static final P2m.Owner OWNER = new P2m.Owner(Sbdf.parse("0000:01:00.0"), 3);

    private static Vdm guestThatLostRam() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).guestMemory(3840).build();
        int domid = vdm.libxl().domainCreate(1);
        // libxl's xc_domain_iomem_permission at attach: memory_mapping asks for it
        assertEquals(0, vdm.xen().domctls().iomemPermission(vdm.dom0(), domid, 0x8010000, 0x8000, true));
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), domid, 0x10000, 0x8010000, 0x8000, true, OWNER));
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), domid, 0x10000, 0x8010000, 0x8000, false, null));
        return vdm;
    }

    @Test
    void theLostRamAndTheGuestsMemorySurviveASaveAndALoad() {
        Vdm a = guestThatLostRam();
        String saved = Snapshot.save(a);
        Vdm b = Vdm.load(saved);
        Domain g = b.xen().domains().getLast();
        assertEquals(0xf000_0000L, g.ram().lowEnd());
        assertEquals(List.of(new GuestRam.Lost(0x10000, 0x8000, OWNER)), g.ram().lost());
        assertEquals(3840, b.libxl().guestMemory().mib());
        assertEquals(saved, Snapshot.save(b));
    }

    @Test
    void aRestoreInPlacePutsTheLossBackAndTheFingerprintSeesIt() {
        Vdm a = guestThatLostRam();
        ModelState lost = ModelState.capture(a);
        Domain g = a.xen().domains().getLast();
        Vdm fresh = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).guestMemory(3840).build();
        fresh.libxl().domainCreate(1);
        assertNotEquals(lost.fingerprint(), ModelState.capture(fresh).fingerprint(), "the loss is part of the state");
        lost.restore(fresh);
        assertEquals(g.ram().lost(), fresh.xen().domains().getLast().ram().lost());
        assertEquals(lost.fingerprint(), ModelState.capture(fresh).fingerprint());
    }

    @Test
    void aDocumentFromBeforeGuestRamLoadsAsAGuestOfMemory1024ThatLostNothing() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(Snapshot.save(guestThatLostRam()));
        doc.remove("guests");
        for (var d : doc.get("xen").get("domains")) {
            ((ObjectNode) d).remove("ramEnd");
            ((ObjectNode) d).remove("ramLost");
        }
        Vdm b = Vdm.load(json.writeValueAsString(doc));
        assertEquals(1024, b.libxl().guestMemory().mib());
        Domain g = b.xen().domains().getLast();
        assertEquals(GuestRam.DEFAULT_LOW_END, g.ram().lowEnd());
        assertTrue(g.ram().lost().isEmpty());
        assertEquals(0, b.dom0().ram().lowEnd());
    }
}
