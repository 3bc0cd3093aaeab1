package vdm.qmp.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON as QEMU's monitor does (qobject/json-writer.c in compact mode), so that a byte-for-byte comparison with
 * QEMU is possible and humans reading a socat session see the same text:
 * <ul>
 * <li>separators {@code ", "} and {@code ": "};</li>
 * <li>ASCII only: {@code "}, {@code \}, {@code \b \f \n \r \t} escaped by name, every other character below 0x20
 *     or from 0x7F up as {@code \}{@code uXXXX} with upper-case hex (a surrogate pair beyond U+FFFF);</li>
 * <li>object members in QDict iteration order: by hash bucket (qobject/qdict.c {@code tdb_hash} modulo 512), and
 *     within a bucket the member added last first. This is why QEMU prints {@code {"return": {}, "id": 1}} but
 *     {@code {"id": 1, "error": ...}}. Jackson objects keep insertion order, which stands for QEMU's.</li>
 * </ul>
 * Non-finite doubles, which JSON cannot express, are written as {@code null}.
 */
public final class JsonWriter {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final int QDICT_BUCKET_MAX = 512;

    private JsonWriter() {}

    public static String toString(JsonNode node) {
        ByteBuf buf = Unpooled.buffer(64);
        write(node, buf);
        return buf.toString(StandardCharsets.US_ASCII);
    }

    public static void write(JsonNode node, ByteBuf out) {
        switch (node.getNodeType()) {
            case OBJECT -> writeObject(node, out);
            case ARRAY -> {
                out.writeByte('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) out.writeByte(',').writeByte(' ');
                    write(node.get(i), out);
                }
                out.writeByte(']');
            }
            case STRING -> writeString(node.textValue(), out);
            case NUMBER -> writeNumber(node, out);
            case BOOLEAN -> ascii(node.booleanValue() ? "true" : "false", out);
            case NULL, MISSING -> ascii("null", out);
            case POJO, BINARY -> writeString(node.asText(), out);
        }
    }

    private static void writeNumber(JsonNode node, ByteBuf out) {
        if (node.isIntegralNumber()) {
            ascii(node.isBigInteger() ? node.bigIntegerValue().toString() : Long.toString(node.longValue()), out);
        } else if (node.isBigDecimal()) {
            BigDecimal d = node.decimalValue();
            ascii(d.toString(), out);
        } else {
            ascii(CDouble.format(node.doubleValue()), out); // a QNUM_DOUBLE, as QEMU prints it
        }
    }

    private static void writeObject(JsonNode node, ByteBuf out) {
        out.writeByte('{');
        List<Map.Entry<String, JsonNode>> members = qdictOrder(node);
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) out.writeByte(',').writeByte(' ');
            member(members.get(i), out);
        }
        out.writeByte('}');
    }

    /**
     * An object's members in the order QEMU walks the QDict it parsed them into (qdict_first/qdict_next): bucket
     * ascending, then the later-inserted first within a bucket (QLIST_INSERT_HEAD). QEMU prints them in this order,
     * and qmp_dispatch_check_obj reports the first bad member of a request in it.
     */
    public static List<Map.Entry<String, JsonNode>> qdictOrder(JsonNode node) {
        int n = node.size();
        if (n <= 1) return n == 0 ? List.of() : List.of(node.properties().iterator().next());
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>(n);
        long[] order = new long[n];
        Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
        for (int i = 0; i < n; i++) {
            Map.Entry<String, JsonNode> e = it.next();
            members.add(e);
            // the low bits carry the index (descending) so that sorting the keys sorts the members
            order[i] = (long) bucket(e.getKey()) << 32 | (0xFFFFFFFFL - i);
        }
        Arrays.sort(order);
        List<Map.Entry<String, JsonNode>> sorted = new ArrayList<>(n);
        for (int i = 0; i < n; i++) sorted.add(members.get((int) (0xFFFFFFFFL - (order[i] & 0xFFFFFFFFL))));
        return sorted;
    }

    private static void member(Map.Entry<String, JsonNode> e, ByteBuf out) {
        writeString(e.getKey(), out);
        out.writeByte(':').writeByte(' ');
        write(e.getValue(), out);
    }

    /** QDict's bucket for a key: tdb_hash over the key's UTF-8 bytes, modulo QDICT_BUCKET_MAX. */
    static int bucket(String key) {
        byte[] b = ModifiedUtf8.encode(key);
        int value = 0x238F13AF * b.length;
        for (int i = 0; i < b.length; i++) {
            value += (b[i] & 0xFF) << (i * 5 % 24);
        }
        return Integer.remainderUnsigned(1103515243 * value + 12345, QDICT_BUCKET_MAX);
    }

    private static void writeString(String s, ByteBuf out) {
        out.writeByte('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.writeByte('\\').writeByte('"');
                case '\\' -> out.writeByte('\\').writeByte('\\');
                case '\b' -> out.writeByte('\\').writeByte('b');
                case '\f' -> out.writeByte('\\').writeByte('f');
                case '\n' -> out.writeByte('\\').writeByte('n');
                case '\r' -> out.writeByte('\\').writeByte('r');
                case '\t' -> out.writeByte('\\').writeByte('t');
                default -> {
                    if (c < 0x20 || c >= 0x7F) {
                        // UTF-16 units are what QEMU prints for code points beyond U+FFFF too (a surrogate pair).
                        out.writeByte('\\').writeByte('u')
                                .writeByte(HEX[c >> 12]).writeByte(HEX[(c >> 8) & 15])
                                .writeByte(HEX[(c >> 4) & 15]).writeByte(HEX[c & 15]);
                    } else {
                        out.writeByte(c);
                    }
                }
            }
        }
        out.writeByte('"');
    }

    private static void ascii(String s, ByteBuf out) {
        out.writeCharSequence(s, StandardCharsets.US_ASCII);
    }
}
