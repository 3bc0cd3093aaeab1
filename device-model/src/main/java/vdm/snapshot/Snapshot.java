package vdm.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.List;
import vdm.Vdm;
import vdm.dom0.Dom0Snapshot;
import vdm.host.HostDescription;
import vdm.host.HostLoader;
import vdm.host.LinkDevice;
import vdm.host.PhysicalFunction;
import vdm.ioapic.IoApic;
import vdm.model.Fixes;
import vdm.toolstack.ToolstackSnapshot;
import vdm.xen.Domain;
import vdm.xen.XenSnapshot;

/**
 * The whole model as a versioned JSON document: the host description and every function's config space, the links,
 * the physical IO-APICs, the hypervisor, dom0 and the toolstack. {@link #load} builds a fresh model and puts the
 * state back exactly; a document of another format, a newer or unknown version, or a corrupt one is refused with an
 * error saying why, and nothing running is touched (loading never modifies an existing model). Logs and traces are
 * output, not state, and are not saved.
 */
public final class Snapshot {
    public static final String FORMAT = "vdm-snapshot";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private Snapshot() {}

    /** A snapshot refused for its format, version or content; the message says why. */
    public static final class SnapshotException extends IllegalArgumentException {
        public SnapshotException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static String save(Vdm vdm) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT).put("version", VERSION);
        Fixes f = vdm.fixes();
        o.putObject("fixes").put("resetNotification", f.resetNotification()).put("pvhMapPirq", f.pvhMapPirq())
                .put("setupGsi", f.setupGsi()).put("gsiLookup", f.gsiLookup().name());
        o.putObject("dom0").put("kind", vdm.dom0().kind().name()).put("vcpus", vdm.dom0().vcpuCount());
        try {
            o.set("host", JSON.readTree(HostLoader.toJson(vdm.host().description())));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new SnapshotException("this host cannot be saved: " + e.getMessage(), e);
        }
        ObjectNode hs = o.putObject("hostState");
        ObjectNode fns = hs.putObject("functions");
        for (PhysicalFunction fn : vdm.host().functions()) fns.put(fn.sbdf().toString(), HexFormat.of().formatHex(fn.config().bytes()));
        ObjectNode links = hs.putObject("links");
        for (LinkDevice l : vdm.host().links()) links.put(l.name(), l.current());
        ArrayNode apics = hs.putArray("ioapics");
        for (IoApic a : vdm.host().gsiSpace().ioApics()) {
            ArrayNode w = apics.addArray();
            for (long x : a.exportState()) w.add(x);
        }
        o.set("xen", XenSnapshot.save(vdm.xen()));
        o.set("dom0Kernel", Dom0Snapshot.save(vdm.kernel()));
        o.set("toolstack", ToolstackSnapshot.save(vdm.libxl()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh model in the state the document describes. */
    public static Vdm load(String document) {
        JsonNode o;
        try {
            o = JSON.readTree(document);
        } catch (JsonProcessingException e) {
            throw new SnapshotException("corrupt snapshot: " + e.getOriginalMessage(), e);
        }
        if (o == null || !o.isObject()) throw new SnapshotException("corrupt snapshot: not a JSON object", null);
        if (!FORMAT.equals(o.path("format").asText())) {
            throw new SnapshotException("not a vdm snapshot: member 'format' is " + o.path("format") + ", expected \"" + FORMAT + "\"", null);
        }
        if (!o.path("version").canConvertToInt()) throw new SnapshotException("member 'version' is missing or not a number", null);
        int version = o.get("version").asInt();
        if (version > VERSION) {
            throw new SnapshotException("snapshot version " + version + " is newer than this vdm reads (" + VERSION + ")", null);
        }
        if (version != VERSION) throw new SnapshotException("unknown snapshot version " + version + " (this vdm reads " + VERSION + ")", null);
        for (String m : List.of("fixes", "dom0", "host", "hostState", "xen", "dom0Kernel", "toolstack")) {
            if (!o.path(m).isObject()) throw new SnapshotException("corrupt snapshot: member '" + m + "' is missing or not an object", null);
        }
        try {
            JsonNode f = o.get("fixes");
            Fixes fixes = new Fixes(f.get("resetNotification").asBoolean(), f.get("pvhMapPirq").asBoolean(),
                    f.get("setupGsi").asBoolean(), Fixes.GsiLookup.valueOf(f.get("gsiLookup").asText()));
            HostDescription desc = HostLoader.parse(o.get("host").toString());
            Vdm vdm = Vdm.host(desc).fixes(fixes).dom0(Domain.Kind.valueOf(o.get("dom0").get("kind").asText()))
                    .dom0Vcpus(o.get("dom0").get("vcpus").asInt()).bootDom0(false).build();
            XenSnapshot.restore(vdm.xen(), o.get("xen"));
            Dom0Snapshot.restore(vdm.kernel(), o.get("dom0Kernel"));
            ToolstackSnapshot.restore(vdm.libxl(), o.get("toolstack"));
            restoreHost(vdm, o.get("hostState")); // last: the rebuild above may have touched the hardware
            return vdm;
        } catch (SnapshotException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SnapshotException("corrupt snapshot: " + e, e);
        }
    }

    private static void restoreHost(Vdm vdm, JsonNode hs) {
        for (PhysicalFunction fn : vdm.host().functions()) {
            JsonNode hex = hs.get("functions").get(fn.sbdf().toString());
            if (hex == null) throw new IllegalArgumentException("no config space saved for " + fn.sbdf());
            byte[] b = HexFormat.of().parseHex(hex.asText());
            if (b.length != fn.config().size()) throw new IllegalArgumentException(fn.sbdf() + ": " + b.length + " config bytes, expected " + fn.config().size());
            for (int off = 0; off < b.length; off += 4) {
                int v = (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
                fn.config().poke(off, 4, v);
            }
        }
        for (LinkDevice l : vdm.host().links()) {
            int irq = hs.get("links").get(l.name()).asInt();
            if (irq == 0) l.disable(); else l.setResource(irq);
        }
        List<IoApic> apics = vdm.host().gsiSpace().ioApics();
        for (int i = 0; i < apics.size(); i++) {
            JsonNode w = hs.get("ioapics").get(i);
            long[] words = new long[w.size()];
            for (int k = 0; k < words.length; k++) words[k] = w.get(k).asLong();
            apics.get(i).importState(words);
        }
    }
}
