package vdm.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.List;
import vdm.system.Machine;
import vdm.dom0.Dom0Snapshot;
import vdm.host.HostDescription;
import vdm.host.HostLoader;
import vdm.host.HostState;
import vdm.host.LinkDevice;
import vdm.host.PhysicalFunction;
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

    public static String save(Machine vdm) {
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
        ModelState state = ModelState.capture(vdm);
        ObjectNode hs = o.putObject("hostState");
        ObjectNode fns = hs.putObject("functions");
        List<PhysicalFunction> functions = vdm.host().functions();
        for (int i = 0; i < functions.size(); i++) fns.put(functions.get(i).sbdf().toString(), hex(state.host().configs()[i].words()));
        ObjectNode links = hs.putObject("links");
        List<LinkDevice> ls = vdm.host().links();
        for (int i = 0; i < ls.size(); i++) links.put(ls.get(i).name(), state.host().links()[i]);
        ArrayNode apics = hs.putArray("ioapics");
        for (long[] a : state.host().ioApics()) {
            ArrayNode w = apics.addArray();
            for (long x : a) w.add(x);
        }
        o.set("xen", XenSnapshot.toJson(state.xen()));
        o.set("dom0Kernel", Dom0Snapshot.toJson(state.dom0()));
        o.set("toolstack", ToolstackSnapshot.toJson(state.toolstack()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh machine in the state the document describes. */
    public static Machine load(String document) {
        return load(document, Machine::host);
    }

    /**
     * A fresh machine in the state the document describes, built by {@code builders} from the document's host (the
     * embedding API passes its own, so the loaded model is watched as a built one is).
     */
    public static Machine load(String document, java.util.function.Function<HostDescription, ? extends Machine.Builder> builders) {
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
            Machine vdm = builders.apply(desc).fixes(fixes).dom0(Domain.Kind.valueOf(o.get("dom0").get("kind").asText()))
                    .dom0Vcpus(o.get("dom0").get("vcpus").asInt()).bootDom0(false).build();
            ModelState state = new ModelState(hostState(vdm, o.get("hostState")), XenSnapshot.fromJson(o.get("xen")),
                    Dom0Snapshot.fromJson(o.get("dom0Kernel")), ToolstackSnapshot.fromJson(o.get("toolstack")));
            state.restore(vdm);
            return vdm;
        } catch (SnapshotException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SnapshotException("corrupt snapshot: " + e, e);
        }
    }

    /** Config spaces as the lspci-style bytes, little-endian. */
    private static String hex(int[] words) {
        byte[] b = new byte[words.length << 2];
        for (int d = 0; d < words.length; d++) {
            for (int k = 0; k < 4; k++) b[4 * d + k] = (byte) (words[d] >>> (8 * k));
        }
        return HexFormat.of().formatHex(b);
    }

    private static HostState hostState(Machine vdm, JsonNode hs) {
        List<PhysicalFunction> functions = vdm.host().functions();
        int[][] configs = new int[functions.size()][];
        for (int i = 0; i < configs.length; i++) {
            PhysicalFunction fn = functions.get(i);
            JsonNode hex = hs.get("functions").get(fn.sbdf().toString());
            if (hex == null) throw new IllegalArgumentException("no config space saved for " + fn.sbdf());
            byte[] b = HexFormat.of().parseHex(hex.asText());
            if (b.length != fn.config().size()) throw new IllegalArgumentException(fn.sbdf() + ": " + b.length + " config bytes, expected " + fn.config().size());
            int[] w = new int[b.length >>> 2];
            for (int off = 0; off < b.length; off += 4) {
                w[off >>> 2] = (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
            }
            configs[i] = w;
        }
        List<LinkDevice> ls = vdm.host().links();
        int[] links = new int[ls.size()];
        for (int i = 0; i < links.length; i++) {
            JsonNode irq = hs.get("links").get(ls.get(i).name());
            if (irq == null) throw new IllegalArgumentException("no state saved for link " + ls.get(i).name());
            links[i] = irq.asInt();
        }
        JsonNode a = hs.get("ioapics");
        long[][] apics = new long[a.size()][];
        for (int i = 0; i < apics.length; i++) {
            JsonNode w = a.get(i);
            apics[i] = new long[w.size()];
            for (int k = 0; k < apics[i].length; k++) apics[i][k] = w.get(k).asLong();
        }
        return HostState.of(vdm.host(), configs, links, apics);
    }
}
