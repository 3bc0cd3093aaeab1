package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** A command's arguments after {@link ArgumentSchema#validate}: the typed getters cannot fail for declared names. */
public final class Arguments {
    private final ObjectNode values;
    private final ObjectNode extra;

    Arguments(ObjectNode values, ObjectNode extra) {
        this.values = values;
        this.extra = extra;
    }

    /** All members as given. */
    public ObjectNode json() { return values; }

    /** Members the schema did not declare (only an open schema lets any through). */
    public ObjectNode extra() { return extra; }

    public boolean has(String name) { return values.has(name); }

    public JsonNode get(String name) { return values.get(name); }

    public String string(String name) { return required(name).textValue(); }

    public Optional<String> optionalString(String name) {
        JsonNode v = values.get(name);
        return v == null ? Optional.empty() : Optional.of(v.textValue());
    }

    public long integer(String name) { return required(name).longValue(); }

    /** A {@link ArgType#UINT64} argument: its 64 bits (2^63 and above read as negative longs). */
    public long uint64(String name) { return required(name).bigIntegerValue().longValue(); }

    public boolean bool(String name, boolean absent) {
        JsonNode v = values.get(name);
        return v == null ? absent : v.booleanValue();
    }

    private JsonNode required(String name) {
        JsonNode v = values.get(name);
        if (v == null) throw new IllegalArgumentException("argument '" + name + "' is absent (declare it required)");
        return v;
    }
}
