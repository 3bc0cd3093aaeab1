package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A QAPI flat union: base members, one of which (the tag, an enum) picks the variant whose members are added; as
 * SchemaInfo is (qapi/introspect.json). Every value of the tag's enum has a variant here.
 */
public record UnionType(String name, List<Arg> base, String tag, Map<String, ObjectType> variants) implements ArgType {
    public UnionType {
        Objects.requireNonNull(name, "name");
        base = List.copyOf(base);
        variants = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variants));
        ObjectType.checkUnique(base);
        Arg t = base.stream().filter(a -> a.name().equals(tag)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("union '" + name + "' has no member '" + tag + "'"));
        if (!(t.type() instanceof OneOf e) || !t.required() || !e.values().equals(new ArrayList<>(variants.keySet()))) {
            throw new IllegalArgumentException("union '" + name + "': tag '" + tag + "' must be a required enum with one variant per value");
        }
    }

    @Override
    public String qapiName() { return name; }

    @Override
    public String describe() { return name; }

    @Override
    public void check(JsonNode v, String path, String plainName) throws QmpError {
        if (!v.isObject()) throw ArgType.invalidType(path, "object");
        String prefix = path + ".";
        ObjectType.checkMembers(base, (ObjectNode) v, prefix, true);
        List<Arg> all = new ArrayList<>(base);
        all.addAll(variants.get(v.get(tag).textValue()).members());
        ObjectType.checkMembers(all, (ObjectNode) v, prefix, false);
    }
}
