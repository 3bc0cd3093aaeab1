package vdm.persist;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Function;
import vdm.host.HostDescription;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.snapshot.ModelState;
import vdm.system.Machine;
import vdm.toolstack.GuestMemory;
import vdm.xen.Domain;

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
    /** One document and nothing after it, no member twice (a second value would silently win). */
    private static final ObjectMapper READER = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

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
        ObjectNode fx = o.putObject("fixes").put("resetNotification", f.resetNotification()).put("pvhMapPirq", f.pvhMapPirq())
                .put("setupGsi", f.setupGsi()).put("gsiLookup", f.gsiLookup().name());
        for (Fix x : Fix.values()) if (!x.series()) fx.put(x.label(), f.on(x));
        o.putObject("dom0").put("kind", vdm.dom0().kind().name()).put("vcpus", vdm.dom0().vcpuCount());
        o.putObject("guests").put("memory", vdm.libxl().guestMemory().mib()); // absent: memory=1024
        try {
            o.set("host", HostJsonWriter.toTree(vdm.host().description()));
        } catch (RuntimeException e) {
            throw new SnapshotException("this host cannot be saved: " + e.getMessage(), e);
        }
        ModelState state = ModelState.capture(vdm);
        o.set("hostState", HostSnapshot.toJson(vdm.host(), state.host()));
        o.set("xen", XenSnapshot.toJson(state.xen()));
        o.set("dom0Kernel", Dom0Snapshot.toJson(state.dom0()));
        o.set("toolstack", ToolstackSnapshot.toJson(state.toolstack()));
        LoadCheck.record(vdm, o);
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
    public static Machine load(String document, Function<HostDescription, ? extends Machine.Builder> builders) {
        JsonNode o;
        try {
            o = READER.readTree(document);
        } catch (JsonProcessingException e) {
            // Jackson's own text quotes the offending token: a file that is not a snapshot must not be echoed.
            JsonLocation at = e.getLocation();
            throw new SnapshotException("corrupt snapshot: not one JSON document" + (at == null || at.getLineNr() < 0 ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), null);
        }
        if (o == null || !o.isObject()) throw new SnapshotException("corrupt snapshot: not a JSON object", null);
        if (!o.path("format").isTextual() || !FORMAT.equals(o.path("format").textValue())) {
            throw new SnapshotException("not a vdm snapshot: member 'format' is not \"" + FORMAT + "\"", null);
        }
        JsonNode v = o.path("version");
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new SnapshotException("member 'version' is missing or not an integer", null);
        int version = v.intValue();
        if (version > VERSION) {
            throw new SnapshotException("snapshot version " + version + " is newer than this vdm reads (" + VERSION + ")", null);
        }
        if (version != VERSION) throw new SnapshotException("unknown snapshot version " + version + " (this vdm reads " + VERSION + ")", null);
        for (String m : List.of("fixes", "dom0", "host", "hostState", "xen", "dom0Kernel", "toolstack")) {
            if (!o.path(m).isObject()) throw new SnapshotException("corrupt snapshot: member '" + m + "' is missing or not an object", null);
        }
        Machine vdm;
        try {
            JsonNode f = o.get("fixes");
            Fixes fixes = new Fixes(Strict.bool(f, "resetNotification", "fixes.resetNotification"), Strict.bool(f, "pvhMapPirq", "fixes.pvhMapPirq"),
                    Strict.bool(f, "setupGsi", "fixes.setupGsi"), Strict.word(f, "gsiLookup", Fixes.GsiLookup.class, "fixes.gsiLookup"));
            // every other switch by its label; one a document lacks is how vdm behaved before it had the switch
            for (Fix x : Fix.values()) {
                if (x.series()) continue;
                fixes = fixes.with(x, f.has(x.label()) ? Strict.bool(f, x.label(), "fixes." + x.label()) : x.absent());
            }
            HostDescription desc = HostJsonReader.embedded(o.get("host").toString(), "snapshot member 'host'");
            JsonNode d0 = o.get("dom0");
            int memory = GuestMemory.DEFAULT.mib();
            if (o.has("guests")) memory = Strict.integer(Strict.object(o, "guests", "guests"), "memory", "guests.memory", 16, 3840);
            vdm = builders.apply(desc).fixes(fixes).dom0(Strict.word(d0, "kind", Domain.Kind.class, "dom0.kind"))
                    .dom0Vcpus(Strict.integer(d0, "vcpus", "dom0.vcpus", 1, 64)).guestMemory(memory).bootDom0(false).build();
            ModelState state = new ModelState(HostSnapshot.fromJson(vdm.host(), o.get("hostState")), XenSnapshot.fromJson(o.get("xen"), vdm.xen().hardwareDomainIomem()),
                    Dom0Snapshot.fromJson(o.get("dom0Kernel")), ToolstackSnapshot.fromJson(o.get("toolstack")));
            state.restore(vdm);
        } catch (SnapshotException e) {
            throw e;
        } catch (vdm.host.HostDescriptionException e) {
            throw new SnapshotException("corrupt snapshot: " + e.getMessage(), null);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new SnapshotException("corrupt snapshot: " + e.getMessage(), null);
        } catch (RuntimeException e) {
            // a part the readers did not catch: say where, not which Java exception
            throw new SnapshotException("corrupt snapshot: its state cannot be put back (" + e.getClass().getSimpleName().replaceAll("Exception$", "").toLowerCase(java.util.Locale.ROOT) + ")", null);
        }
        LoadCheck.consistent(vdm, o);
        return vdm;
    }
}
