package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The arguments a command takes, checked in QEMU's order: each declared argument in declaration order (missing,
 * then wrong type), then the first member nobody declared ({@code Parameter 'x' is unexpected}) unless the schema is
 * open, as device_add's is (its driver properties are free-form).
 */
public record ArgumentSchema(List<Arg> args, boolean open) {
    public static final ArgumentSchema NONE = new ArgumentSchema(List.of(), false);

    public ArgumentSchema {
        args = List.copyOf(args);
        Set<String> seen = new HashSet<>();
        for (Arg a : args) {
            if (!seen.add(a.name())) throw new IllegalArgumentException("argument '" + a.name() + "' declared twice");
        }
    }

    public static ArgumentSchema of(Arg... args) {
        return new ArgumentSchema(List.of(args), false);
    }

    /** Declared arguments plus any other members, passed through unchecked ({@link Arguments#extra()}). */
    public static ArgumentSchema open(Arg... args) {
        return new ArgumentSchema(List.of(args), true);
    }

    /** Validates {@code given} (an object, or null when "arguments" was absent). */
    public Arguments validate(ObjectNode given) throws QmpError {
        ObjectNode values = given != null ? given : JsonNodeFactory.instance.objectNode();
        for (Arg a : args) {
            JsonNode v = values.get(a.name());
            if (v == null) {
                if (a.required()) throw QmpError.generic("Parameter '" + a.name() + "' is missing");
                continue;
            }
            a.type().check(v, a.name(), a.name());
        }
        ObjectNode extra = null;
        if (values.size() > countDeclaredPresent(values)) {
            for (Map.Entry<String, JsonNode> e : values.properties()) {
                if (declares(e.getKey())) continue;
                if (!open) throw QmpError.generic("Parameter '" + e.getKey() + "' is unexpected");
                if (extra == null) extra = JsonNodeFactory.instance.objectNode();
                extra.set(e.getKey(), e.getValue());
            }
        }
        return new Arguments(values, extra != null ? extra : JsonNodeFactory.instance.objectNode());
    }

    private int countDeclaredPresent(ObjectNode values) {
        int n = 0;
        for (Arg a : args) if (values.has(a.name())) n++;
        return n;
    }

    private boolean declares(String name) {
        for (Arg a : args) if (a.name().equals(name)) return true;
        return false;
    }

    /** One line for documentation: {@code id: string, bus?: string, ...}. */
    public String synopsis() {
        List<String> parts = new ArrayList<>();
        for (Arg a : args) parts.add(a.name() + (a.required() ? "" : "?") + ": " + a.type().describe());
        if (open) parts.add("...");
        return parts.stream().collect(Collectors.joining(", "));
    }
}
