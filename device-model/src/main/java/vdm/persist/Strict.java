package vdm.persist;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import vdm.pci.Sbdf;

/**
 * Strict reading of a snapshot's members (issue 16: a wrong type was read as 0, false or "null" and loaded). Each
 * accessor takes the member's path ({@code xen.domains[0].vcpus}) and refuses, naming that path and the problem in
 * words, a member that is missing, null, of another JSON type, or out of its range. Messages describe the value's
 * type, never the value itself, so an error quotes nothing of the document.
 */
final class Strict {
    private Strict() {}

    /** A member of a snapshot that does not fit; the message names its path. */
    static final class BadMember extends IllegalArgumentException {
        BadMember(String path, String problem) {
            super("member '" + path + "' " + problem);
        }
    }

    static JsonNode member(JsonNode parent, String name, String path) {
        JsonNode v = parent.get(name);
        if (v == null || v.isMissingNode()) throw new BadMember(path, "is missing");
        if (v.isNull()) throw new BadMember(path, "is null");
        return v;
    }

    /** Whether an optional member is present (a null one counts as present, and is then refused by its reader). */
    static boolean has(JsonNode parent, String name) {
        return parent.has(name);
    }

    static JsonNode object(JsonNode parent, String name, String path) {
        return object(member(parent, name, path), path);
    }

    static JsonNode object(JsonNode v, String path) {
        if (v == null || v.isNull() || !v.isObject()) throw new BadMember(path, kind(v) + ", expected an object");
        return v;
    }

    static JsonNode array(JsonNode parent, String name, String path) {
        return array(member(parent, name, path), path);
    }

    static JsonNode array(JsonNode v, String path) {
        if (v == null || !v.isArray()) throw new BadMember(path, kind(v) + ", expected an array");
        return v;
    }

    /** An array of exactly {@code n} elements (a tuple). */
    static JsonNode tuple(JsonNode v, int n, String path) {
        array(v, path);
        if (v.size() != n) throw new BadMember(path, "has " + v.size() + " elements, expected " + n);
        return v;
    }

    static int integer(JsonNode parent, String name, String path, long min, long max) {
        return integer(member(parent, name, path), path, min, max);
    }

    static int integer(JsonNode v, String path, long min, long max) {
        return (int) longInt(v, path, Math.max(min, Integer.MIN_VALUE), Math.min(max, Integer.MAX_VALUE));
    }

    /** Any 32-bit integer. */
    static int int32(JsonNode v, String path) {
        return integer(v, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    static int int32(JsonNode parent, String name, String path) {
        return int32(member(parent, name, path), path);
    }

    static long int64(JsonNode parent, String name, String path) {
        return int64(member(parent, name, path), path);
    }

    static long int64(JsonNode v, String path) {
        return longInt(v, path, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    static long longInt(JsonNode v, String path, long min, long max) {
        if (v == null || !v.isIntegralNumber()) throw new BadMember(path, kind(v) + ", expected an integer");
        if (!v.canConvertToLong()) throw new BadMember(path, "does not fit 64 bits");
        long x = v.longValue();
        if (x < min || x > max) throw new BadMember(path, "is " + x + ", out of range " + min + ".." + max);
        return x;
    }

    static boolean bool(JsonNode parent, String name, String path) {
        return bool(member(parent, name, path), path);
    }

    static boolean bool(JsonNode v, String path) {
        if (v == null || !v.isBoolean()) throw new BadMember(path, kind(v) + ", expected true or false");
        return v.booleanValue();
    }

    static String text(JsonNode parent, String name, String path) {
        return text(member(parent, name, path), path);
    }

    static String text(JsonNode v, String path) {
        if (v == null || !v.isTextual()) throw new BadMember(path, kind(v) + ", expected a string");
        return v.textValue();
    }

    /** An enum member written by its name; the error lists the names it may take. */
    static <E extends Enum<E>> E word(JsonNode v, Class<E> type, String path) {
        String s = text(v, path);
        for (E e : type.getEnumConstants()) if (e.name().equals(s)) return e;
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) names.append(names.isEmpty() ? "" : ", ").append(e.name());
        throw new BadMember(path, "is not one of " + names);
    }

    static <E extends Enum<E>> E word(JsonNode parent, String name, Class<E> type, String path) {
        return word(member(parent, name, path), type, path);
    }

    static Sbdf sbdf(String s, String path) {
        try {
            return Sbdf.parse(s);
        } catch (IllegalArgumentException e) {
            throw new BadMember(path, "is not a PCI address (SSSS:BB:DD.F)");
        }
    }

    static byte[] hex(JsonNode v, String path) {
        String s = text(v, path);
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new BadMember(path, "is not hex digit pairs");
        }
    }

    /** An object's members in order, for a map keyed by SBDF, link name or BAR index. */
    static Iterator<Map.Entry<String, JsonNode>> fields(JsonNode parent, String name, String path) {
        return object(parent, name, path).fields();
    }

    /** The JSON type of a value, in words. */
    static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) return "is missing";
        if (v.isNull()) return "is null";
        if (v.isObject()) return "is an object";
        if (v.isArray()) return "is an array";
        if (v.isTextual()) return "is a string";
        if (v.isBoolean()) return "is a boolean";
        if (v.isIntegralNumber()) return "is an integer";
        if (v.isNumber()) return "is a non-integer number";
        return "is of another type";
    }
}
