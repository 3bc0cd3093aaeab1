package vdm.qmp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * query-qmp-schema's reply, generated from the commands a registry holds, by the rules of QEMU's
 * scripts/qapi/introspect.py (QAPISchemaGenIntrospectVisitor): commands (each followed by the events it causes
 * that were not shown yet), then every type they use, in order of first use; builtins named by their JSON type
 * (every integer type is {@code int}), arrays {@code [T]}, object and enum names masked to numbers in order of first
 * use ({@code _name}, {@code _use_type}); a command without arguments or return shows q_empty; optional members carry
 * {@code "default": null}; {@code x-} commands carry the {@code unstable} feature. A name given to two different
 * types is a programming error, refused here.
 */
public final class QapiSchema {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ArrayNode out = NODES.arrayNode();
    private final Map<String, String> masked = new HashMap<>();
    private final Map<String, ArgType> used = new HashMap<>();
    private final ArrayDeque<ArgType> queue = new ArrayDeque<>();

    private QapiSchema() {}

    /** SchemaInfo for {@code commands}, in their order. */
    public static ArrayNode of(List<QmpCommand> commands) {
        QapiSchema s = new QapiSchema();
        Set<String> events = new HashSet<>();
        for (QmpCommand c : commands) {
            ObjectNode e = s.entry(c.name(), "command");
            e.put("arg-type", s.use(c.arguments().asType("q_obj_" + c.name() + "-arg")));
            e.put("ret-type", s.use(c.returns()));
            if (c.name().startsWith("x-")) e.putArray("features").add("unstable");
            for (QmpEventType ev : c.emits()) {
                if (!events.add(ev.name())) continue;
                s.entry(ev.name(), "event").put("arg-type", s.use(ev.data()));
            }
        }
        while (!s.queue.isEmpty()) s.visit(s.queue.poll());
        return s.out;
    }

    private ObjectNode entry(String name, String metaType) {
        return out.addObject().put("name", name).put("meta-type", metaType);
    }

    /** {@code _use_type}: the type's name as introspection shows it, queuing its definition on first use. */
    private String use(ArgType t) {
        if (t instanceof ArgType.IntRange) t = ArgType.INTEGER; // QAPI has no ranges: a ranged integer is 'int'
        String key = t.qapiName();
        ArgType before = used.putIfAbsent(key, t);
        if (before == null) queue.add(t);
        else if (before != t && !sameShape(before, t)) {
            throw new IllegalStateException("QAPI type '" + key + "' is given two definitions: " + before + ", " + t);
        }
        return switch (t) {
            case ArgType.Scalar s -> key;
            case ArgType.ListOf l -> "[" + use(l.element()) + "]";
            default -> masked.computeIfAbsent(key, k -> Integer.toString(masked.size()));
        };
    }

    /** Builtins and arrays are known by their name alone (uint64 and int are both 'int'); named types must agree. */
    private static boolean sameShape(ArgType a, ArgType b) {
        if (a instanceof ArgType.Scalar || a instanceof ArgType.ListOf) return true;
        if (a instanceof ObjectType x && b instanceof ObjectType y) {
            List<Arg> m = x.members(), n = y.members();
            if (m.size() != n.size()) return false;
            for (int i = 0; i < m.size(); i++) {
                Arg p = m.get(i), q = n.get(i);
                if (!p.name().equals(q.name()) || p.required() != q.required()
                        || !p.type().qapiName().equals(q.type().qapiName())) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    private void visit(ArgType t) {
        switch (t) {
            case ArgType.Scalar s -> entry(s.qapiName(), "builtin").put("json-type", jsonType(s));
            case ArgType.IntRange r -> visit(ArgType.INTEGER); // use() queues 'int' in its place
            case ArgType.OneOf e -> {
                ObjectNode n = entry(use(e), "enum");
                ArrayNode members = n.putArray("members");
                ArrayNode values = n.putArray("values");
                for (String v : e.values()) {
                    members.addObject().put("name", v);
                    values.add(v);
                }
            }
            case ArgType.ListOf l -> entry(use(l), "array").put("element-type", use(l.element()));
            case ObjectType o -> {
                ObjectNode n = entry(use(o), "object");
                members(n, o.members());
            }
            case UnionType u -> {
                ObjectNode n = entry(use(u), "object");
                members(n, u.base());
                n.put("tag", u.tag());
                ArrayNode variants = n.putArray("variants");
                for (var v : u.variants().entrySet()) {
                    variants.addObject().put("case", v.getKey()).put("type", use(v.getValue()));
                }
            }
        }
    }

    private void members(ObjectNode n, List<Arg> members) {
        ArrayNode list = n.putArray("members");
        for (Arg a : members) {
            ObjectNode m = list.addObject().put("name", a.name()).put("type", use(a.type()));
            if (!a.required()) m.putNull("default");
            if (!a.features().isEmpty()) {
                ArrayNode f = m.putArray("features");
                a.features().forEach(f::add);
            }
        }
    }

    /** JSONType (qapi/introspect.json) of a builtin: 'value' for any. */
    private static String jsonType(ArgType.Scalar s) {
        return switch (s.qapiName()) {
            case "str" -> "string";
            case "int" -> "int";
            case "bool" -> "boolean";
            case "number" -> "number";
            default -> "value";
        };
    }
}
