package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.snapshot.ModelState;

/**
 * Issue 16: a snapshot is read strictly. Each bad document (a member of another type, out of range, missing, null,
 * data after the document, parts that disagree across layers) is refused naming the member and the problem in words,
 * and the running model is untouched. Before, 25 of 103 such documents loaded (a link IRQ "x" read as 0, "yes" read
 * as false, toolstack.attached = 7 read as no attachment while Xen kept it).
 */
class StrictSnapshotTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory N = JsonNodeFactory.instance;

    /** A model with a guest holding the NIC (attached, bound, with a qdev id): every layer has something to say. */
    private static Vdm attached() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        vdm.libxl().pciAssignableAdd(DefaultHost.NIC);
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5, "nic0").ok());
        return vdm;
    }

    private static final Vdm BASE = attached();
    private static final String SAVED = Snapshot.save(BASE);

    private static ObjectNode tree() {
        try {
            return (ObjectNode) JSON.readTree(SAVED);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String edit(Consumer<ObjectNode> change) {
        ObjectNode o = tree();
        change.accept(o);
        return o.toString();
    }

    private static ObjectNode at(ObjectNode o, String... path) {
        JsonNode n = o;
        for (String p : path) n = n.isArray() ? n.get(Integer.parseInt(p)) : n.get(p);
        return (ObjectNode) n;
    }

    private static String firstKey(JsonNode o) {
        return o.fieldNames().next();
    }

    private static Arguments bad(String what, String document, String expected) {
        return Arguments.of(what, document, expected);
    }

    static Stream<Arguments> badDocuments() {
        String nic = DefaultHost.NIC.toString();
        List<Arguments> out = new ArrayList<>();
        // types
        out.add(bad("toolstack.attached = 7", edit(o -> at(o, "toolstack").put("attached", 7)), "member 'toolstack.attached' is an integer, expected an array"));
        out.add(bad("xen.assigned = \"x\"", edit(o -> at(o, "xen").put("assigned", "x")), "member 'xen.assigned' is a string, expected an object"));
        out.add(bad("dom0Kernel.pciback = null", edit(o -> at(o, "dom0Kernel").putNull("pciback")), "member 'dom0Kernel.pciback' is null"));
        String link = firstKey(tree().get("hostState").get("links"));
        out.add(bad("a link's IRQ \"x\"", edit(o -> at(o, "hostState", "links").put(link, "x")), "member 'hostState.links." + link + "' is a string, expected an integer"));
        out.add(bad("a fix \"yes\"", edit(o -> at(o, "fixes").put("setupGsi", "yes")), "member 'fixes.setupGsi' is a string, expected true or false"));
        out.add(bad("version 1.5", edit(o -> o.put("version", 1.5)), "member 'version' is missing or not an integer"));
        out.add(bad("version \"1\"", edit(o -> o.put("version", "1")), "member 'version' is missing or not an integer"));
        out.add(bad("version null", edit(o -> o.putNull("version")), "member 'version' is missing or not an integer"));
        out.add(bad("dom0.kind a number", edit(o -> at(o, "dom0").put("kind", 1)), "member 'dom0.kind' is an integer, expected a string"));
        out.add(bad("dom0.kind unknown", edit(o -> at(o, "dom0").put("kind", "HVMX")), "member 'dom0.kind' is not one of PV, PVH, HVM"));
        out.add(bad("a bound flag 1", edit(o -> at(o, "toolstack", "attached", "0").put("bound", 1)), "member 'toolstack.attached[0].bound' is an integer, expected true or false"));
        out.add(bad("a domain's vcpus \"2\"", edit(o -> at(o, "xen", "domains", "1").put("vcpus", "2")), "member 'xen.domains[1].vcpus' is a string, expected an integer"));
        out.add(bad("config space a number", edit(o -> at(o, "hostState", "functions").put(nic, 0)), "member 'hostState.functions." + nic + "' is an integer, expected a string"));
        out.add(bad("config space not hex", edit(o -> at(o, "hostState", "functions").put(nic, "zz")), "member 'hostState.functions." + nic + "' is not hex digit pairs"));
        out.add(bad("a pirq tuple cut short", edit(o -> ((ArrayNode) at(o, "xen", "domains", "0").get("irqCaps")).set(0, N.arrayNode().add(1))),
                "member 'xen.domains[0].irqCaps[0]' has 1 elements, expected 2"));
        out.add(bad("a vPCI BAR enabled \"yes\"", edit(o -> ((ArrayNode) at(o, "xen", "domains", "0", "vpci", "0").get("bars").get(0)).set(4, N.textNode("yes"))),
                "member 'xen.domains[0].vpci[0].bars[0][4]' is a string, expected true or false"));
        out.add(bad("an MSI record member of another type", edit(o -> at(o, "xen").set("msi", N.objectNode().put("nope", 1))), "member 'xen.msi"));
        // ranges
        out.add(bad("domid 4294967297", edit(o -> at(o, "toolstack", "attached", "0").put("domid", 4294967297L)),
                "member 'toolstack.attached[0].domid' is 4294967297, out of range 1..32751"));
        out.add(bad("slot 32", edit(o -> at(o, "toolstack", "attached", "0").put("slot", 32)), "member 'toolstack.attached[0].slot' is 32, out of range 0..31"));
        out.add(bad("slot -1", edit(o -> at(o, "toolstack", "attached", "0").put("slot", -1)), "member 'toolstack.attached[0].slot' is -1, out of range 0..31"));
        out.add(bad("dom0 vcpus 0", edit(o -> at(o, "dom0").put("vcpus", 0)), "member 'dom0.vcpus' is 0, out of range 1..64"));
        out.add(bad("a domain's vcpus 1e9", edit(o -> at(o, "xen", "domains", "1").put("vcpus", 1_000_000_000)), "member 'xen.domains[1].vcpus' is 1000000000, out of range 1..128"));
        out.add(bad("a huge integer", edit(o -> at(o, "xen").put("nextDomid", new java.math.BigInteger("123456789012345678901234567890"))),
                "member 'xen.nextDomid' does not fit 64 bits"));
        out.add(bad("guest memory 8", edit(o -> at(o, "guests").put("memory", 8)), "member 'guests.memory' is 8, out of range 16..3840"));
        // missing
        out.add(bad("no nextDomid", edit(o -> at(o, "xen").remove("nextDomid")), "member 'xen.nextDomid' is missing"));
        out.add(bad("no slot", edit(o -> at(o, "toolstack", "attached", "0").remove("slot")), "member 'toolstack.attached[0].slot' is missing"));
        out.add(bad("no dom0 kind", edit(o -> at(o, "dom0").remove("kind")), "member 'dom0.kind' is missing"));
        // more than one document, or anything after it
        out.add(bad("trailing data", SAVED + "x", "corrupt snapshot: not one JSON document"));
        out.add(bad("two documents", SAVED + SAVED, "corrupt snapshot: not one JSON document"));
        out.add(bad("a trailing empty object", SAVED + "{}", "corrupt snapshot: not one JSON document"));
        out.add(bad("a member twice", SAVED.replaceFirst("\\{", "{\"version\": 1,"), "corrupt snapshot: not one JSON document"));
        // layers that disagree (each layer's part well-formed on its own)
        out.add(bad("the toolstack forgets an attachment Xen keeps", edit(o -> at(o, "toolstack").set("attached", N.arrayNode())),
                "inconsistent snapshot: the loaded model's layers disagree: toolstack-attached at d1 " + nic));
        out.add(bad("Xen forgets an assignment the toolstack keeps", edit(o -> at(o, "xen").set("assigned", N.objectNode())),
                "inconsistent snapshot: the loaded model's layers disagree:"));
        out.add(bad("a disagreement the document does not own to", edit(o -> {
            o.set(LoadCheck.MEMBER, N.arrayNode().add("p2m-decoded at nowhere"));
            at(o, "toolstack").set("attached", N.arrayNode());
        }), "toolstack-attached at d1 " + nic));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDocuments")
    void aBadDocumentIsRefusedNamingTheMemberAndTheProblemAndTheModelIsUnchanged(String what, String document, String expected) {
        String before = Snapshot.save(BASE);
        Snapshot.SnapshotException e = assertThrows(Snapshot.SnapshotException.class, () -> Vdm.load(document), what + " was loaded");
        String m = e.getMessage();
        assertTrue(m.contains(expected), what + ": expected <" + expected + "> in <" + m + ">");
        // in words: no Java class or type name, no Jackson wording, nothing quoted from the document's values
        for (String java : List.of("Exception", "java.", "`", "Cannot ", "JsonNode", "REDACTED", "Source:")) {
            assertFalse(m.contains(java), what + ": the error speaks Java (" + java + "): " + m);
        }
        assertEquals(before, Snapshot.save(BASE), what + ": the running model changed");
    }

    @Test
    void theBaseDocumentLoadsAndAModelInAFailuresStateOwnsToItsDisagreements() {
        assertEquals(ModelState.capture(BASE).fingerprint(), ModelState.capture(Vdm.load(SAVED)).fingerprint());
        assertFalse(SAVED.contains(LoadCheck.MEMBER), "a consistent model writes no list of disagreements");
    }

    @Test
    void aFileThatIsNotASnapshotIsNotQuoted() {
        String shadow = "root:$6$secret:19000:0:99999:7:::\n";
        String m = assertThrows(Snapshot.SnapshotException.class, () -> Vdm.load(shadow)).getMessage();
        assertFalse(m.contains("root") || m.contains("secret"), m);
        String m2 = assertThrows(Snapshot.SnapshotException.class, () -> Vdm.load("{\"format\": \"root:secret\", \"version\": 1}")).getMessage();
        assertFalse(m2.contains("root") || m2.contains("secret"), m2);
    }

    @Test
    void anEmbeddedHostImportsNoFile() throws Exception {
        ObjectNode o = tree();
        ArrayNode fns = (ArrayNode) o.get("host").get("functions");
        ObjectNode f = (ObjectNode) fns.get(0);
        f.remove("device");
        f.remove("layout");
        f.remove("import");
        java.nio.file.Path secret = java.nio.file.Files.createTempFile("vdm-secret", ".txt");
        java.nio.file.Files.writeString(secret, "00:03.0 secret-line\n");
        f.putObject("import").put("file", secret.toString());
        String m = assertThrows(Snapshot.SnapshotException.class, () -> Vdm.load(o.toString())).getMessage();
        assertTrue(m.contains("an embedded host imports no file"), m);
        assertFalse(m.contains("secret-line"), m);
        java.nio.file.Files.delete(secret);
    }
}
