package vdm.qmp;

import java.util.Objects;

/** One declared argument of a command: its name, type, whether it is required, and a line of documentation. */
public record Arg(String name, ArgType type, boolean required, String doc) {
    public Arg {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        if (name.isEmpty()) throw new IllegalArgumentException("an argument needs a name");
    }

    public static Arg required(String name, ArgType type, String doc) {
        return new Arg(name, type, true, doc);
    }

    public static Arg optional(String name, ArgType type, String doc) {
        return new Arg(name, type, false, doc);
    }
}
