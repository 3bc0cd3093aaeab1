package vdm.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What {@code vdm qmp} sends for a typed line: raw JSON as is, or {@code command key=value ...} as
 * {@code {"execute": command, "arguments": {...}}}. A value is JSON when it reads as JSON ({@code 3}, {@code true},
 * {@code "two words"}, {@code {"a": 1}}), or a number in hex ({@code offset=0x10}, up to 64 bits, so a uint64 address
 * fits: a value above Long.MAX_VALUE is sent as the unsigned number it is); otherwise a string ({@code id=nic0};
 * quote one that would read as a number: {@code id="0x10"}).
 */
final class Shorthand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Shorthand() {}

    /** The JSON text to send for {@code line} (already trimmed, not empty). */
    static String toJson(String line) {
        if (line.startsWith("{") || line.startsWith("[")) return line;
        int i = 0, n = line.length();
        int end = next(line, i, true);
        String command = line.substring(i, end);
        ObjectNode msg = JSON.createObjectNode().put("execute", command);
        ObjectNode args = JSON.createObjectNode();
        i = skipSpace(line, end);
        while (i < n) {
            int eq = line.indexOf('=', i);
            int space = next(line, i, true);
            if (eq < 0 || eq > space) {
                throw new IllegalArgumentException("'" + line.substring(i, space) + "' is not key=value");
            }
            String key = line.substring(i, eq);
            if (key.isEmpty()) throw new IllegalArgumentException("an argument name is empty");
            int v = eq + 1;
            JsonNode value;
            if (v < n && (line.charAt(v) == '"' || line.charAt(v) == '{' || line.charAt(v) == '[')) {
                try (JsonParser p = JSON.createParser(line.substring(v))) {
                    value = JSON.readTree(p);
                    v += (int) p.currentLocation().getCharOffset();
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("the value of '" + key + "' is not valid JSON: " + e.getOriginalMessage());
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException(e.getMessage());
                }
            } else {
                int stop = next(line, v, false);
                String text = line.substring(v, stop);
                value = literal(text);
                v = stop;
            }
            if (args.has(key)) throw new IllegalArgumentException("argument '" + key + "' given twice");
            args.set(key, value);
            i = skipSpace(line, v);
        }
        if (!args.isEmpty()) msg.set("arguments", args);
        try {
            return JSON.writeValueAsString(msg); // the user's order, compact
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode literal(String text) {
        if (text.matches("0[xX][0-9a-fA-F]+")) {
            java.math.BigInteger v = new java.math.BigInteger(text.substring(2), 16);
            if (v.bitLength() > 64) throw new IllegalArgumentException("'" + text + "' is wider than 64 bits");
            return v.bitLength() < 64 ? JSON.getNodeFactory().numberNode(v.longValue()) : JSON.getNodeFactory().numberNode(v);
        }
        if (text.matches("true|false|null|-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
            try {
                return JSON.readTree(text);
            } catch (JsonProcessingException e) {
                // fall through to a string
            }
        }
        return JSON.getNodeFactory().textNode(text);
    }

    private static int next(String s, int i, boolean stopAtSpace) {
        while (i < s.length() && !Character.isWhitespace(s.charAt(i))) i++;
        return i;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        return i;
    }
}
