package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A QAPI struct: named members, each required or optional. Argument objects and reply objects share it, so one
 * declaration is both checked (as QEMU's qobject-input-visitor does, with full names such as {@code a.b} and
 * {@code a[0].b}) and introspected ({@link QapiSchema}). Declared before it is defined when types refer to each other
 * (PciDeviceInfo and PciBridgeInfo do); members can be defined once.
 */
public final class ObjectType implements ArgType {
    /** QAPI's q_empty: the arguments of a command that takes none, the return of a command that returns nothing. */
    public static final ObjectType EMPTY = of("q_empty");

    private final String name;
    private volatile List<Arg> members;

    private ObjectType(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    public static ObjectType of(String name, Arg... members) {
        return declare(name).define(members);
    }

    /** A type whose members come later ({@link #define}), for recursive types. */
    public static ObjectType declare(String name) {
        return new ObjectType(name);
    }

    public ObjectType define(Arg... members) {
        return define(List.of(members));
    }

    public synchronized ObjectType define(List<Arg> members) {
        if (this.members != null) throw new IllegalStateException("type '" + name + "' is already defined");
        checkUnique(members);
        this.members = List.copyOf(members);
        return this;
    }

    public List<Arg> members() {
        List<Arg> m = members;
        if (m == null) throw new IllegalStateException("type '" + name + "' was declared but never defined");
        return m;
    }

    @Override
    public String qapiName() { return name; }

    @Override
    public String describe() { return name; }

    @Override
    public void check(JsonNode v, String path, String plainName) throws QmpError {
        if (!v.isObject()) throw ArgType.invalidType(path, "object");
        checkMembers(members(), (ObjectNode) v, path + ".", false);
    }

    @Override
    public String toString() { return "ObjectType[" + name + "]"; }

    static void checkUnique(List<Arg> members) {
        Set<String> seen = new HashSet<>();
        for (Arg a : members) {
            if (!seen.add(a.name())) throw new IllegalArgumentException("member '" + a.name() + "' declared twice");
        }
    }

    /**
     * The generated visitor's order: each declared member in turn (missing, then its type), then the first member
     * nobody declared (qobject_input_check_struct), unless {@code open}. {@code prefix} is the full name of the
     * enclosing object plus '.', or empty at the top. Of several undeclared members QEMU names the first in its
 * GHashTable's slot order ({@link vdm.qmp.json.UnvisitedKeys}), not the first written. Returns the undeclared members an open object lets through.
     */
    static ObjectNode checkMembers(List<Arg> declared, ObjectNode values, String prefix, boolean open) throws QmpError {
        int present = 0;
        for (Arg a : declared) {
            JsonNode v = values.get(a.name());
            if (v == null) {
                if (a.required()) throw QmpError.generic("Parameter '" + prefix + a.name() + "' is missing");
                continue;
            }
            present++;
            a.type().check(v, prefix + a.name(), a.name());
        }
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        if (values.size() == present) return extra;
        if (!open) {
            // the first key left in the visitor's table of unvisited keys, in glib's slot order
            List<String> visited = new java.util.ArrayList<>(present);
            for (Arg a : declared) if (values.has(a.name())) visited.add(a.name());
            throw QmpError.generic("Parameter '" + prefix + vdm.qmp.json.UnvisitedKeys.first(values, visited) + "' is unexpected");
        }
        for (Map.Entry<String, JsonNode> e : values.properties()) {
            if (!declares(declared, e.getKey())) extra.set(e.getKey(), e.getValue());
        }
        return extra;
    }

    private static boolean declares(List<Arg> declared, String name) {
        for (Arg a : declared) if (a.name().equals(name)) return true;
        return false;
    }
}
