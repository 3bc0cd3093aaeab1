package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The type of a command argument, checked with the texts of QEMU's QObject input visitor
 * (qapi/qobject-input-visitor.c): {@code Invalid parameter type for 'x', expected: string}.
 */
public sealed interface ArgType permits ArgType.Scalar, ArgType.IntRange, ArgType.OneOf, ArgType.ListOf, ObjectType, UnionType {
    ArgType STRING = Scalar.STRING;
    /** A signed 64-bit integer (QAPI 'int'): a float such as 1.5 or an integer beyond 64 bits is refused. */
    ArgType INTEGER = Scalar.INTEGER;
    /**
     * An unsigned 64-bit integer (QAPI 'uint64', qobject_input_type_uint64): 0 to 2^64-1, and for backward compatibility
     * a negative int64, taken as its two's complement; anything else is {@code Parameter 'x' expects uint64}.
     */
    ArgType UINT64 = Scalar.UINT64;
    /**
     * QEMU's sized integers (qapi/qapi-visit-core.c visit_type_uintN / visit_type_intN): read as a uint64 (or int64),
     * then anything beyond the C type is {@code Parameter 'x' expects uint8_t}. A negative value given to an unsigned
     * one is its two's complement there, so it is refused as too large.
     */
    ArgType UINT8 = new IntRange(0, 0xff, List.of(), "uint8_t");
    ArgType UINT16 = new IntRange(0, 0xffff, List.of(), "uint16_t");
    ArgType UINT32 = new IntRange(0, 0xffff_ffffL, List.of(), "uint32_t");
    ArgType INT32 = new IntRange(Integer.MIN_VALUE, Integer.MAX_VALUE, List.of(), "int32_t");
    ArgType BOOLEAN = Scalar.BOOLEAN;
    ArgType NUMBER = Scalar.NUMBER;
    /** A free-form object (QAPI has no such builtin: introspection shows it as {@code any}). */
    ArgType OBJECT = Scalar.OBJECT;
    ArgType ANY = Scalar.ANY;

    static ArgType oneOf(String typeName, String... values) {
        return new OneOf(typeName, List.of(values));
    }

    /** An int from {@code min} to {@code max}: vdm's own range, refused with {@code Parameter 'x' expects a value from MIN to MAX}. */
    static ArgType range(long min, long max) {
        return new IntRange(min, max, List.of(), null);
    }

    /** An int that is one of {@code values} (an access size): {@code Parameter 'size' expects 1, 2 or 4, not 3}. */
    static ArgType anyOf(long... values) {
        return new IntRange(java.util.Arrays.stream(values).min().orElseThrow(), java.util.Arrays.stream(values).max().orElseThrow(),
                java.util.Arrays.stream(values).boxed().toList(), null);
    }

    static ArgType listOf(ArgType element) {
        return new ListOf(element);
    }

    /** Name for documentation. */
    String describe();

    /**
     * Checks {@code value} given for the parameter named {@code path} (QEMU's full name: {@code enable[0]} for a list
     * element); {@code plainName} is what QEMU 7.2's enum check prints, which is "null" inside lists.
     */
    void check(JsonNode value, String path, String plainName) throws QmpError;

    /** The QAPI type name: a builtin's ({@code int} for every integer type), else the declared name. */
    String qapiName();

    static QmpError invalidType(String path, String expected) {
        return QmpError.generic("Invalid parameter type for '" + path + "', expected: " + expected);
    }

    enum Scalar implements ArgType {
        STRING("string"), INTEGER("integer"), UINT64("uint64"), BOOLEAN("boolean"), NUMBER("number"), OBJECT("object"), ANY("any");

        private final String expected;

        Scalar(String expected) { this.expected = expected; }

        @Override
        public String qapiName() {
            return switch (this) {
                case STRING -> "str";
                case INTEGER, UINT64 -> "int";
                case BOOLEAN -> "bool";
                case NUMBER -> "number";
                case OBJECT, ANY -> "any";
            };
        }

        @Override
        public String describe() { return expected; }

        @Override
        public void check(JsonNode v, String path, String plainName) throws QmpError {
            boolean ok = switch (this) {
                case STRING -> v.isTextual();
                case INTEGER -> v.isIntegralNumber() && v.canConvertToLong();
                case UINT64 -> {
                    if (v.isIntegralNumber() && (v.canConvertToLong() || v.bigIntegerValue().bitLength() <= 64 && v.bigIntegerValue().signum() > 0)) yield true;
                    throw QmpError.generic("Parameter '" + path + "' expects uint64");
                }
                case BOOLEAN -> v.isBoolean();
                case NUMBER -> v.isNumber();
                case OBJECT -> v.isObject();
                case ANY -> true;
            };
            if (!ok) throw invalidType(path, expected);
        }
    }

    /**
     * An integer with a stated range. Introspection shows it as {@code int} (QAPI has no ranges), but the handler
     * never sees a value outside it, so nothing is truncated on the way to the model. With a C type name it is one of
     * QEMU's sized integers and refused with QEMU's text; without, vdm's text names the argument and the range (or
     * the allowed values). The value is named as given (an untruncated integer).
     */
    record IntRange(long min, long max, List<Long> only, String cType) implements ArgType {
        public IntRange {
            only = List.copyOf(only);
            if (min > max) throw new IllegalArgumentException("empty range " + min + ".." + max);
        }

        @Override
        public String qapiName() { return "int"; }

        @Override
        public String describe() {
            if (!only.isEmpty()) return "integer (" + values() + ")";
            return (cType != null ? cType.replace("_t", "") : "integer") + " " + min + ".." + max;
        }

        private String values() {
            List<String> v = only.stream().map(String::valueOf).toList();
            return v.size() == 1 ? v.getFirst() : String.join(", ", v.subList(0, v.size() - 1)) + " or " + v.getLast();
        }

        @Override
        public void check(JsonNode v, String path, String plainName) throws QmpError {
            if (cType != null && cType.startsWith("u")) {
                // qobject_input_type_uint64 first: a uint64, or an int64 taken as its two's complement
                UINT64.check(v, path, plainName);
                java.math.BigInteger b = v.bigIntegerValue();
                if (b.signum() < 0 || b.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
                    throw QmpError.generic("Parameter '" + path + "' expects " + cType);
                }
                return;
            }
            INTEGER.check(v, path, plainName);
            long x = v.longValue();
            boolean in = only.isEmpty() ? x >= min && x <= max : only.contains(x);
            if (in) return;
            if (cType != null) throw QmpError.generic("Parameter '" + path + "' expects " + cType);
            if (!only.isEmpty()) throw QmpError.generic("Parameter '" + path + "' expects " + values() + ", not " + x);
            throw QmpError.generic("Parameter '" + path + "' expects a value from " + min + " to " + max + ", not " + x);
        }
    }

    /** A QAPI enum: a string among {@code values}. */
    record OneOf(String typeName, List<String> values) implements ArgType {
        public OneOf {
            values = List.copyOf(values);
        }

        @Override
        public String qapiName() { return typeName; }

        @Override
        public String describe() { return typeName + " (" + String.join(", ", values) + ")"; }

        @Override
        public void check(JsonNode v, String path, String plainName) throws QmpError {
            if (!v.isTextual()) throw invalidType(path, "string");
            if (!values.contains(v.textValue())) {
                throw QmpError.generic("Parameter '" + plainName + "' does not accept value '" + v.textValue() + "'");
            }
        }
    }

    record ListOf(ArgType element) implements ArgType {
        @Override
        public String qapiName() { return "[" + element.qapiName() + "]"; }

        @Override
        public String describe() { return "array of " + element.describe(); }

        @Override
        public void check(JsonNode v, String path, String plainName) throws QmpError {
            if (!v.isArray()) throw invalidType(path, "array");
            for (int i = 0; i < v.size(); i++) {
                element.check(v.get(i), path + "[" + i + "]", "null");
            }
        }
    }
}
