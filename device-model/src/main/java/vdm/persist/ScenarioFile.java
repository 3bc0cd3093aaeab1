package vdm.persist;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import vdm.explore.Finding;
import vdm.explore.Op;
import vdm.model.Fixes;

/**
 * A finding's replayable scenario file: {@code {"format": "vdm-explore/1", "preset", "dom0", "device", "ops": [...],
 * "finding"}}, on one line. {@code finding} is the message the explorer reported, for the reader; a replay does not
 * need it (null when a file has none). {@code fixes} are the {@code --fix NAME=on|off} settings the explorer ran with on
 * top of the preset, in order ({@link Fixes#with(String)}); written only when there are some, an absent member means
 * none (the preset as it is, as every file written before {@code --fix} existed).
 */
public record ScenarioFile(String preset, List<String> fixes, String dom0, String device, List<Op> ops, String finding) {
    public static final String FORMAT = "vdm-explore/1";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectWriter WRITER = JSON.writer(new OneLine());

    public ScenarioFile {
        fixes = fixes == null ? List.of() : List.copyOf(fixes);
        for (String s : fixes) setting(s);
    }

    /** A file with the preset's fixes as they are. */
    public ScenarioFile(String preset, String dom0, String device, List<Op> ops, String finding) {
        this(preset, List.of(), dom0, device, ops, finding);
    }

    /** The file that replays {@code f}, found on {@code device} under the preset and dom0 kind named (as the CLI takes them). */
    public static ScenarioFile of(Finding f, String preset, String dom0, String device) {
        return new ScenarioFile(preset, dom0, device, f.ordering(), f.message());
    }

    /** As {@link #of(Finding, String, String, String)}, found with the {@code --fix} settings given on top of the preset. */
    public static ScenarioFile of(Finding f, String preset, List<String> fixes, String dom0, String device) {
        return new ScenarioFile(preset, fixes, dom0, device, f.ordering(), f.message());
    }

    /** The preset's fixes with this file's settings applied in order. */
    public Fixes fixesOn(Fixes preset) {
        Fixes f = preset;
        for (String s : fixes) f = f.with(s);
        return f;
    }

    private static void setting(String s) {
        try {
            Fixes.legacy().with(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("member 'fixes': " + e.getMessage());
        }
    }

    /** The file's text, with a final newline. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT).put("preset", preset);
        if (!fixes.isEmpty()) {
            ArrayNode settings = o.putArray("fixes");
            for (String f : fixes) settings.add(f);
        }
        o.put("dom0", dom0).put("device", device);
        ArrayNode labels = o.putArray("ops");
        for (Op op : ops) labels.add(op.label());
        if (finding != null) o.put("finding", finding);
        try {
            return WRITER.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a scenario file did not serialize: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses a scenario file; errors name the member that is wrong. */
    public static ScenarioFile parse(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a scenario file: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("not a scenario file: expected a JSON object");
        if (!FORMAT.equals(n.path("format").asText())) {
            throw new IllegalArgumentException("member 'format' must be \"" + FORMAT + "\", not " + n.path("format"));
        }
        for (String m : List.of("preset", "dom0", "device")) {
            if (!n.path(m).isTextual()) throw new IllegalArgumentException("member '" + m + "' is missing or not a string");
        }
        if (!n.path("ops").isArray()) throw new IllegalArgumentException("member 'ops' is missing or not an array");
        List<Op> ops = new ArrayList<>();
        for (JsonNode o : n.get("ops")) ops.add(Op.of(o.asText()));
        String finding = n.path("finding").isTextual() ? n.get("finding").asText() : null;
        List<String> fixes = new ArrayList<>();
        if (n.has("fixes")) {
            if (!n.get("fixes").isArray()) throw new IllegalArgumentException("member 'fixes' is not an array");
            for (JsonNode f : n.get("fixes")) {
                if (!f.isTextual()) throw new IllegalArgumentException("member 'fixes' holds " + f + ", not a NAME=on|off string");
                fixes.add(f.asText());
            }
        }
        return new ScenarioFile(n.get("preset").asText(), fixes, n.get("dom0").asText(), n.get("device").asText(), List.copyOf(ops), finding);
    }

    /** One line, a space after each ':' and ',': the layout the explorer has always written its files in. */
    private static final class OneLine extends MinimalPrettyPrinter {
        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
