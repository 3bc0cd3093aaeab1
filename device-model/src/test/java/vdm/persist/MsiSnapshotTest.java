package vdm.persist;

import vdm.toolstack.MsiGuest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.host.MsiOutcome;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.snapshot.ModelState;
import vdm.system.Machine;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;

/**
 * MSI-X caught mid-flight survives a JSON snapshot: a model saved with entries programmed, one masked with its pending
 * bit set, the guest's table registered with Xen's msixtbl and an address/data change waiting in QEMU's latch (or, for
 * dom0, in vPCI's {@code updated} flag) is loaded into a fresh machine; then the same further operations on both give
 * the same answers, the same receipts and the same state, as the original would have (RestoreEqualsReplayTest's rule,
 * through the document). A document whose MSI state does not fit the model is refused by member, and loads nothing.
 */
class MsiSnapshotTest {
    private static final long GUEST_BASE = 0xe000_0000L;
    private static final int VECTOR = 0x41, LATCHED = 0x51;
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> devices() {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) for (Sbdf s : MsiDriver.msixEndpoints(h, 2)) out.add(Arguments.of(h, s));
        return out.stream();
    }

    /** A guest with {@code sbdf} attached: entries 0 and 1 bound, 1 masked with a message pending, 0's data changed while unmasked. */
    private static Machine guestMidFlight(TestHost h, Sbdf sbdf) {
        Machine vdm = h.builder().preset(Preset.UPSTREAM).tracing(false).build();
        int domid = vdm.libxl().domainCreate(1);
        assertEquals(0, vdm.libxl().pciAssignableAdd(sbdf));
        assertTrue(vdm.libxl().pciAttach(domid, sbdf, 5).ok());
        XenPtDevice pt = vdm.libxl().device(sbdf);
        MsiDriver g = MsiDriver.guest(vdm, pt, MsiGuest.placeBars(pt, GUEST_BASE));
        g.bringUp(2, VECTOR);
        assertEquals(MsiOutcome.SENT, vdm.host().require(sbdf).fireMsix(0));
        g.write(1, 12, 1);
        assertEquals(MsiOutcome.PENDING, vdm.host().require(sbdf).fireMsix(1), "entry 1 masked: its pending bit is set");
        g.write(0, 8, LATCHED); // unmasked: QEMU latches it until the next unmask
        assertEquals(1, vdm.xen().msixtbl().registered(pt.guest()).length, "the guest's table is registered with msixtbl");
        return vdm;
    }

    /** The same further operations: unmask 1 (the pending message goes), mask and unmask 0 (the latch takes effect), fire both. */
    private static List<Object> further(Machine vdm, MsiDriver d, Sbdf sbdf, Domain receiver) {
        List<Object> answers = new ArrayList<>();
        d.write(1, 12, 0);
        d.write(0, 12, 1);
        d.write(0, 12, 0);
        answers.add(vdm.host().require(sbdf).fireMsix(0));
        answers.add(vdm.host().require(sbdf).fireMsix(1));
        for (int e = 0; e < 2; e++) for (int f = 0; f < 16; f += 4) answers.add(d.read(e, f));
        for (int v : new int[] {VECTOR, VECTOR + 1, LATCHED}) answers.add(receiver.msiReceipts().count(v));
        return answers;
    }

    private static void assertSameFuture(Machine a, Machine b, Sbdf sbdf, boolean guest) {
        assertEquals(ModelState.capture(a).fingerprint(), ModelState.capture(b).fingerprint(), "the loaded state is the saved one");
        List<Object> want = further(a, driver(a, sbdf, guest), sbdf, receiver(a, sbdf, guest));
        List<Object> got = further(b, driver(b, sbdf, guest), sbdf, receiver(b, sbdf, guest));
        assertEquals(want, got, "the same answers and receipts");
        if (!ModelState.capture(a).fingerprint().equals(ModelState.capture(b).fingerprint())) {
            assertEquals(Snapshot.save(a), Snapshot.save(b), "the state reached");
        }
        assertEquals(ModelState.capture(a).fingerprint(), ModelState.capture(b).fingerprint());
    }

    private static Domain receiver(Machine vdm, Sbdf sbdf, boolean guest) {
        return guest ? vdm.libxl().device(sbdf).guest() : vdm.xen().dom0();
    }

    /** The driver's view again, on the machine given (a loaded one has its own objects); BARs as the guest placed them. */
    private static MsiDriver driver(Machine vdm, Sbdf sbdf, boolean guest) {
        if (!guest) return MsiDriver.dom0(vdm, sbdf);
        XenPtDevice pt = vdm.libxl().device(sbdf);
        long[] bars = new long[6];
        for (int n = 0; n < 6; n++) {
            int lo = pt.guestRead(0x10 + 4 * n, 4);
            if ((lo & 1) != 0) continue;
            bars[n] = lo & 0xfffffff0L;
            if ((lo & 0x6) == 0x4 && n < 5) bars[n] |= (long) pt.guestRead(0x14 + 4 * n, 4) << 32;
            if ((lo & 0x6) == 0x4) n++;
        }
        return MsiDriver.guest(vdm, pt, bars);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("devices")
    void aGuestsMsixMidFlightLoadsIntoAFreshMachineThatGoesOnAsTheOriginal(TestHost h, Sbdf sbdf) {
        Machine original = guestMidFlight(h, sbdf);
        String saved = Snapshot.save(original);
        JsonNode doc = read(saved);
        assertTrue(doc.at("/xen/msixtbl/entries").size() == 1, "msixtbl is in the document");
        JsonNode attached = doc.at("/toolstack/attached/0");
        assertTrue(attached.at("/msix/updated/0").asBoolean(), "QEMU's latch is in the document");
        assertTrue(doc.at("/hostState/memory/" + sbdf).has("msix"), "the device's table and PBA are in the document");
        Machine loaded = Snapshot.load(saved);
        assertEquals(saved, Snapshot.save(loaded), "a loaded model saves the same document");
        assertSameFuture(original, loaded, sbdf, true);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("devices")
    void dom0sVpciMsixMidFlightLoadsIntoAFreshMachineThatGoesOnAsTheOriginal(TestHost h, Sbdf sbdf) {
        Machine original = h.builder().preset(Preset.UPSTREAM).tracing(false).build();
        MsiDriver d = MsiDriver.dom0(original, sbdf);
        d.bringUp(2, VECTOR);
        assertEquals(MsiOutcome.SENT, original.host().require(sbdf).fireMsix(0));
        d.write(1, 12, 1);
        assertEquals(MsiOutcome.PENDING, original.host().require(sbdf).fireMsix(1));
        d.write(0, 8, LATCHED); // unmasked: vPCI marks the entry updated and applies it on the next unmask
        assertEquals(1, original.xen().dom0().msiReceipts().count(VECTOR));
        String saved = Snapshot.save(original);
        assertTrue(findVpci(read(saved), sbdf).at("/msi/msix/entries/0/updated").asBoolean(), "vPCI's updated flag is in the document");
        Machine loaded = Snapshot.load(saved);
        assertEquals(saved, Snapshot.save(loaded));
        assertSameFuture(original, loaded, sbdf, false);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("devices")
    void aDocumentWithABadEntryCountIsRefusedByMember(TestHost h, Sbdf sbdf) {
        String saved = Snapshot.save(guestMidFlight(h, sbdf));
        ObjectNode tbl = (ObjectNode) read(saved).at("/xen/msixtbl/entries/0");
        int size = tbl.get("entries").asInt();

        ObjectNode doc = (ObjectNode) read(saved);
        ((ObjectNode) doc.at("/xen/msixtbl/entries/0")).put("entries", size + 1);
        String msg = assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(doc.toString())).getMessage();
        assertTrue(msg.contains("msixtbl entry of " + sbdf) && msg.contains((size + 1) + " entries (the device's table has " + size + ")"), msg);

        ObjectNode doc2 = (ObjectNode) read(saved);
        ((ArrayNode) doc2.at("/toolstack/attached/0/msix/pirq")).add(-1); // one pirq more than the other per-entry arrays
        msg = assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(doc2.toString())).getMessage();
        assertTrue(msg.contains("attached device " + sbdf + ": MSI-X state of"), msg);

        ObjectNode doc3 = (ObjectNode) read(saved);
        ((ObjectNode) doc3.at("/xen/msixtbl/entries/0")).put("entriez", size);
        msg = assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(doc3.toString())).getMessage();
        assertTrue(msg.contains("xen.msixtbl"), msg);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("devices")
    void aDocumentWithoutMsixtblLoadsAsOneWithNoTableRegistered(TestHost h, Sbdf sbdf) {
        Machine vdm = h.builder().preset(Preset.UPSTREAM).tracing(false).build();
        String saved = Snapshot.save(vdm);
        assertFalse(read(saved).path("xen").has("msixtbl"), "nothing registered: the document has no msixtbl, as before");
        assertEquals(saved, Snapshot.save(Snapshot.load(saved)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("devices")
    void aDocumentFromBeforeMsiStateLoadsAsTheModelWithoutMsiActivity(TestHost h, Sbdf sbdf) {
        Machine original = h.builder().preset(Preset.UPSTREAM).tracing(false).build();
        int domid = original.libxl().domainCreate(1);
        assertEquals(0, original.libxl().pciAssignableAdd(sbdf));
        assertTrue(original.libxl().pciAttach(domid, sbdf, 5).ok());
        MsiGuest.placeBars(original.libxl().device(sbdf), GUEST_BASE);
        ObjectNode doc = (ObjectNode) read(Snapshot.save(original));
        // What a document written before MSI state lacks: Xen's irqs, vPCI's and QEMU's copies, the devices' BAR memory.
        ((ObjectNode) doc.get("xen")).remove(List.of("msi", "msixtbl"));
        for (JsonNode d : doc.at("/xen/domains")) {
            ((ObjectNode) d).remove("msiReceipts");
            for (JsonNode hv : d.get("vpci")) ((ObjectNode) hv).remove("msi");
        }
        ((ObjectNode) doc.get("hostState")).remove("memory");
        for (JsonNode a : doc.at("/toolstack/attached")) ((ObjectNode) a).remove(List.of("msi", "msix"));
        Machine loaded = Snapshot.load(doc.toString());
        if (!ModelState.capture(original).fingerprint().equals(ModelState.capture(loaded).fingerprint())) {
            assertEquals(Snapshot.save(original), Snapshot.save(loaded), "the state loaded");
        }
        assertEquals(ModelState.capture(original).fingerprint(), ModelState.capture(loaded).fingerprint(),
                "absent MSI members are the state of a model that did nothing with MSI");
    }

    private static JsonNode findVpci(JsonNode doc, Sbdf sbdf) {
        for (JsonNode hv : doc.at("/xen/domains/0/vpci")) if (hv.get("sbdf").asText().equals(sbdf.toString())) return hv;
        throw new AssertionError("no vPCI header of " + sbdf + " in the document");
    }

    private static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
