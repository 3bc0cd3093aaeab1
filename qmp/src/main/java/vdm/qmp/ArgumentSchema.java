package vdm.qmp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
        return new Arguments(values, ObjectType.checkMembers(args, values, "", open));
    }

    /** The arguments as the QAPI object type introspection shows ({@code q_empty} when there are none). */
    public ObjectType asType(String name) {
        return args.isEmpty() ? ObjectType.EMPTY : ObjectType.of(name, args.toArray(Arg[]::new));
    }

    /** One line for documentation: {@code id: string, bus?: string, ...}. */
    public String synopsis() {
        List<String> parts = new ArrayList<>();
        for (Arg a : args) parts.add(a.name() + (a.required() ? "" : "?") + ": " + a.type().describe());
        if (open) parts.add("...");
        return parts.stream().collect(Collectors.joining(", "));
    }
}
