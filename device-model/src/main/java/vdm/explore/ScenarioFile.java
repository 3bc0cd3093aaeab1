package vdm.explore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** A finding's replayable scenario file: {@code {"format": "vdm-explore/1", "preset", "dom0", "device", "ops": [...]}}. */
public record ScenarioFile(String preset, String dom0, String device, List<Op> ops) {
    public static final String FORMAT = "vdm-explore/1";

    /** Parses a scenario file; errors name the member that is wrong. */
    public static ScenarioFile parse(String json) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a scenario file: " + e.getMessage());
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
        return new ScenarioFile(n.get("preset").asText(), n.get("dom0").asText(), n.get("device").asText(), ops);
    }
}
