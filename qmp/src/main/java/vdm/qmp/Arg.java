package vdm.qmp;

import java.util.List;
import java.util.Objects;

/**
 * One declared argument of a command, or member of an object type: its name, type, whether it is required, a line of
 * documentation, and its QAPI features (introspected, e.g. SchemaInfoEnum's {@code values} is {@code deprecated}).
 */
public record Arg(String name, ArgType type, boolean required, String doc, List<String> features) {
    public Arg {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        features = List.copyOf(features);
        if (name.isEmpty()) throw new IllegalArgumentException("an argument needs a name");
    }

    public Arg(String name, ArgType type, boolean required, String doc) {
        this(name, type, required, doc, List.of());
    }

    public static Arg required(String name, ArgType type, String doc) {
        return new Arg(name, type, true, doc);
    }

    public static Arg optional(String name, ArgType type, String doc) {
        return new Arg(name, type, false, doc);
    }

    /** A required member of a reply type (documented by its type's QAPI definition). */
    public static Arg member(String name, ArgType type) {
        return new Arg(name, type, true, "");
    }

    /** An optional member of a reply type. */
    public static Arg optionalMember(String name, ArgType type) {
        return new Arg(name, type, false, "");
    }

    public Arg withFeatures(String... features) {
        return new Arg(name, type, required, doc, List.of(features));
    }
}
