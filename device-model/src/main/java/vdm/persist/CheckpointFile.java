package vdm.persist;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import vdm.explore.Checkpoint;

/**
 * A stopped search's checkpoint as a JSON document: {@code {"format": "vdm-explore-checkpoint", "version": 2, "ops",
 * "depth", "fixes", "root": {"high", "low"}, "level", "next", "levels": [{"parent", "op", "flags", "violations"}],
 * "violationSets", "seen", "findings": [{"kind", "message", "ordering"}], "statesExplored", "maxFrontier", "nanos"}}.
 * The tree's arrays and the seen set are little-endian binary in base64 (ints, 16-bit operation indices, bytes, longs
 * as (high, low) pairs): a million states take about 40 MB, where numbers in JSON would take several times that. A
 * document of another format or version, or one that does not hold together, is refused naming the member.
 */
public final class CheckpointFile {
    public static final String FORMAT = "vdm-explore-checkpoint";
    public static final int VERSION = 2; // 2: a node's flags name the device owing a restore
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * One document and nothing after it, no member twice; a string may be as long as a Java string can be (Jackson's
     * default of 20 MB is passed by the seen set's base64 at about 1.3 million states).
     */
    private static final ObjectMapper READER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build()).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private CheckpointFile() {}

    public static String toJson(Checkpoint c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT).put("version", VERSION);
        ArrayNode ops = o.putArray("ops");
        c.ops().forEach(ops::add);
        o.put("depth", c.depth()).put("fixes", c.fixes());
        o.putObject("root").put("high", c.rootHigh()).put("low", c.rootLow());
        o.put("level", c.level()).put("next", c.next());
        ArrayNode levels = o.putArray("levels");
        for (Checkpoint.Level l : c.levels()) {
            ObjectNode n = levels.addObject();
            n.put("parent", ints(l.parent())).put("op", shorts(l.op())).put("flags", l.flags()).put("violations", ints(l.violations()));
        }
        ArrayNode sets = o.putArray("violationSets");
        for (List<String> s : c.violationSets()) {
            ArrayNode a = sets.addArray();
            s.forEach(a::add);
        }
        o.put("seen", longs(c.seen()));
        ArrayNode findings = o.putArray("findings");
        for (Checkpoint.Found f : c.findings()) {
            ObjectNode n = findings.addObject().put("kind", f.kind()).put("message", f.message());
            ArrayNode ordering = n.putArray("ordering");
            for (int i : f.ordering()) ordering.add(i);
        }
        o.put("statesExplored", c.statesExplored()).put("maxFrontier", c.maxFrontier()).put("nanos", c.nanos());
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a checkpoint did not serialize: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses a checkpoint; errors name the member that is wrong. */
    public static Checkpoint parse(String json) {
        JsonNode n;
        try {
            n = READER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a checkpoint: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("not a checkpoint: expected a JSON object");
        if (!FORMAT.equals(n.path("format").asText())) {
            throw new IllegalArgumentException("member 'format' must be \"" + FORMAT + "\", not " + n.path("format"));
        }
        if (n.path("version").asInt(-1) != VERSION) {
            throw new IllegalArgumentException("member 'version' must be " + VERSION + ", not " + n.path("version"));
        }
        List<String> ops = strings(member(n, "ops"), "ops");
        List<Checkpoint.Level> levels = new ArrayList<>();
        for (JsonNode l : array(n, "levels")) {
            levels.add(new Checkpoint.Level(toInts(binary(l, "parent")), toShorts(binary(l, "op")), binary(l, "flags"), toInts(binary(l, "violations"))));
        }
        List<List<String>> sets = new ArrayList<>();
        for (JsonNode s : array(n, "violationSets")) sets.add(strings(s, "violationSets"));
        List<Checkpoint.Found> findings = new ArrayList<>();
        for (JsonNode f : array(n, "findings")) {
            JsonNode ordering = array(f, "ordering");
            int[] o = new int[ordering.size()];
            for (int i = 0; i < o.length; i++) {
                if (!ordering.get(i).canConvertToInt()) throw new IllegalArgumentException("member 'ordering' holds " + ordering.get(i) + ", not an operation index");
                o[i] = ordering.get(i).asInt();
            }
            findings.add(new Checkpoint.Found(text(f, "kind"), text(f, "message"), o));
        }
        JsonNode root = member(n, "root");
        return new Checkpoint(ops, integer(n, "depth"), text(n, "fixes"), number(root, "high"), number(root, "low"), integer(n, "level"), integer(n, "next"),
                levels, sets, toLongs(binary(n, "seen")), findings, number(n, "statesExplored"), number(n, "maxFrontier"), number(n, "nanos"));
    }

    private static JsonNode member(JsonNode n, String name) {
        JsonNode m = n.get(name);
        if (m == null || m.isNull()) throw new IllegalArgumentException("member '" + name + "' is missing");
        return m;
    }

    private static JsonNode array(JsonNode n, String name) {
        JsonNode m = member(n, name);
        if (!m.isArray()) throw new IllegalArgumentException("member '" + name + "' is not an array");
        return m;
    }

    private static String text(JsonNode n, String name) {
        JsonNode m = member(n, name);
        if (!m.isTextual()) throw new IllegalArgumentException("member '" + name + "' is not a string");
        return m.asText();
    }

    private static long number(JsonNode n, String name) {
        JsonNode m = member(n, name);
        if (!m.isIntegralNumber() || !m.canConvertToLong()) throw new IllegalArgumentException("member '" + name + "' is not an integer");
        return m.asLong();
    }

    private static int integer(JsonNode n, String name) {
        JsonNode m = member(n, name);
        if (!m.isIntegralNumber() || !m.canConvertToInt()) throw new IllegalArgumentException("member '" + name + "' is not an integer");
        return m.asInt();
    }

    private static List<String> strings(JsonNode a, String name) {
        if (!a.isArray()) throw new IllegalArgumentException("member '" + name + "' is not an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode s : a) {
            if (!s.isTextual()) throw new IllegalArgumentException("member '" + name + "' holds " + s + ", not a string");
            out.add(s.asText());
        }
        return out;
    }

    private static byte[] binary(JsonNode n, String name) {
        JsonNode m = member(n, name);
        try {
            if (!m.isTextual()) throw new IllegalArgumentException("member '" + name + "' is not a base64 string");
            return m.binaryValue();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("member '" + name + "' is not base64: " + e.getMessage());
        }
    }

    private static byte[] ints(int[] a) {
        ByteBuffer b = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(a);
        return b.array();
    }

    private static byte[] shorts(short[] a) {
        ByteBuffer b = ByteBuffer.allocate(2 * a.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(a);
        return b.array();
    }

    private static byte[] longs(long[] a) {
        ByteBuffer b = ByteBuffer.allocate(8 * a.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(a);
        return b.array();
    }

    private static int[] toInts(byte[] b) {
        if (b.length % 4 != 0) throw new IllegalArgumentException("an int array of " + b.length + " bytes");
        int[] a = new int[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(a);
        return a;
    }

    private static short[] toShorts(byte[] b) {
        if (b.length % 2 != 0) throw new IllegalArgumentException("an operation array of " + b.length + " bytes");
        short[] a = new short[b.length / 2];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(a);
        return a;
    }

    private static long[] toLongs(byte[] b) {
        if (b.length % 8 != 0) throw new IllegalArgumentException("a fingerprint array of " + b.length + " bytes");
        long[] a = new long[b.length / 8];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(a);
        return a;
    }
}
