package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A query-qmp-schema reply read as a client reads it, by the rules of qapi/introspect.json alone (not through vdm's
 * type model): types looked up by name, values built from them and values checked against them.
 */
final class SchemaJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    final Map<String, JsonNode> byName = new LinkedHashMap<>();
    final List<String> duplicates = new ArrayList<>();

    SchemaJson(JsonNode schema) {
        for (JsonNode e : schema) {
            if (byName.put(e.get("name").asText(), e) != null) duplicates.add(e.get("name").asText());
        }
    }

    JsonNode entry(String name) {
        JsonNode e = byName.get(name);
        if (e == null) throw new AssertionError("type '" + name + "' is referenced but not defined");
        return e;
    }

    /** Every type name an entry refers to, in the order of its fields. */
    static List<String> references(JsonNode e) {
        List<String> refs = new ArrayList<>();
        for (String f : List.of("arg-type", "ret-type", "element-type")) if (e.has(f)) refs.add(e.get(f).asText());
        if (e.get("meta-type").asText().equals("object")) {
            for (JsonNode m : e.get("members")) refs.add(m.get("type").asText());
            if (e.has("variants")) for (JsonNode v : e.get("variants")) refs.add(v.get("type").asText());
        }
        return refs;
    }

    /** Members of an object type, with the chosen variant's when it is a union and {@code tagValue} is given. */
    List<JsonNode> members(JsonNode object, String tagValue) {
        List<JsonNode> all = new ArrayList<>();
        object.get("members").forEach(all::add);
        if (object.has("variants") && tagValue != null) {
            for (JsonNode v : object.get("variants")) {
                if (v.get("case").asText().equals(tagValue)) all.addAll(members(entry(v.get("type").asText()), null));
            }
        }
        return all;
    }

    /** A value of {@code type}: every required member, enums their first value, arrays one element. */
    JsonNode sample(String type) {
        JsonNode e = entry(type);
        return switch (e.get("meta-type").asText()) {
            case "builtin" -> switch (e.get("json-type").asText()) {
                case "string" -> NODES.textNode("x");
                // 1, not 0: within every ranged integer's range (introspection shows them as int: a size of 1, 2 or 4)
                case "int", "number" -> NODES.numberNode(1);
                case "boolean" -> NODES.booleanNode(false);
                case "null" -> NODES.nullNode();
                default -> NODES.objectNode();
            };
            case "enum" -> NODES.textNode(e.get("values").get(0).asText());
            case "array" -> NODES.arrayNode().add(sample(e.get("element-type").asText()));
            case "object" -> {
                ObjectNode o = NODES.objectNode();
                String tag = e.has("tag") ? e.get("tag").asText() : null;
                for (JsonNode m : e.get("members")) {
                    if (!m.has("default")) o.set(m.get("name").asText(), sample(m.get("type").asText()));
                }
                if (tag != null) {
                    for (JsonNode m : members(e, o.get(tag).asText())) {
                        if (!m.has("default") && !o.has(m.get("name").asText())) {
                            o.set(m.get("name").asText(), sample(m.get("type").asText()));
                        }
                    }
                }
                yield o;
            }
            default -> throw new AssertionError("no sample for " + e);
        };
    }

    /** Adds to {@code problems} every way {@code value} (at {@code path}) departs from {@code type}. */
    void conform(JsonNode value, String type, String path, List<String> problems) {
        JsonNode e = entry(type);
        switch (e.get("meta-type").asText()) {
            case "builtin" -> {
                boolean ok = switch (e.get("json-type").asText()) {
                    case "string" -> value.isTextual();
                    case "int" -> value.isIntegralNumber();
                    case "number" -> value.isNumber();
                    case "boolean" -> value.isBoolean();
                    case "null" -> value.isNull();
                    default -> true;
                };
                if (!ok) problems.add(path + ": " + value + " is not " + e.get("json-type").asText());
            }
            case "enum" -> {
                Set<String> values = new HashSet<>();
                e.get("values").forEach(v -> values.add(v.asText()));
                if (!value.isTextual() || !values.contains(value.asText())) problems.add(path + ": " + value + " not in " + values);
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + ": not an array");
                    return;
                }
                for (int i = 0; i < value.size(); i++) conform(value.get(i), e.get("element-type").asText(), path + "[" + i + "]", problems);
            }
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(path + ": not an object");
                    return;
                }
                String tagValue = e.has("tag") && value.has(e.get("tag").asText()) ? value.get(e.get("tag").asText()).asText() : null;
                Set<String> declared = new HashSet<>();
                for (JsonNode m : members(e, tagValue)) {
                    String n = m.get("name").asText();
                    declared.add(n);
                    if (value.has(n)) conform(value.get(n), m.get("type").asText(), path + "." + n, problems);
                    else if (!m.has("default")) problems.add(path + "." + n + " is missing");
                }
                for (var it = value.fieldNames(); it.hasNext(); ) {
                    String n = it.next();
                    if (!declared.contains(n)) problems.add(path + "." + n + " is not declared");
                }
            }
            default -> problems.add(path + ": unexpected meta-type " + e);
        }
    }

    /** The structure of {@code type} with masked names resolved: for comparing two schemas. */
    String shape(String type) {
        return shape(type, new HashSet<>());
    }

    private String shape(String type, Set<String> open) {
        JsonNode e = entry(type);
        String meta = e.get("meta-type").asText();
        switch (meta) {
            case "builtin":
                return e.get("name").asText();
            case "enum": {
                List<String> v = new ArrayList<>();
                e.get("values").forEach(x -> v.add(x.asText()));
                return "enum" + v;
            }
            case "array":
                return "[" + shape(e.get("element-type").asText(), open) + "]";
            default:
                if (!open.add(type)) return "<recursive>";
                StringBuilder b = new StringBuilder("{");
                for (JsonNode m : e.get("members")) {
                    b.append(m.get("name").asText()).append(m.has("default") ? "?" : "").append(": ")
                            .append(shape(m.get("type").asText(), open));
                    if (m.has("features")) b.append(" ").append(m.get("features"));
                    b.append(", ");
                }
                if (e.has("variants")) {
                    b.append("tag ").append(e.get("tag").asText()).append(" | ");
                    for (JsonNode v : e.get("variants")) {
                        b.append(v.get("case").asText()).append(" -> ").append(shape(v.get("type").asText(), open)).append(", ");
                    }
                }
                open.remove(type);
                return b.append("}").toString();
        }
    }

    static ArrayNode array(JsonNode n) {
        return (ArrayNode) n;
    }
}
