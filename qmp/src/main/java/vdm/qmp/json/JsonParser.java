package vdm.qmp.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;

/**
 * Parses the tokens of one message into a Jackson tree with QEMU's error texts (qobject/json-parser.c): the first
 * error wins and is reported as {@code JSON parse error, <what>}. Strings follow QEMU: single quotes are allowed,
 * {@code \'} is an escape, {@code \u0000} is allowed, lone surrogates and noncharacters are not.
 * Numbers are QEMU's QNums (parse_literal): an integer is an int64, else (not negative) a uint64, else a double, as
 * is every number with a fraction or an exponent; {@link JsonWriter} prints a double as QEMU does ({@code %.17g}).
 * Nothing here costs more than linear time in a number's length: a million digits parse as one double.
 */
final class JsonParser {
    record Result(JsonNode value, String error) {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final byte[] text;
    private final TokenType[] types;
    private final int[] ends;
    private final int count;
    private int next;
    private String error;

    private JsonParser(byte[] text, TokenType[] types, int[] ends, int count) {
        this.text = text;
        this.types = types;
        this.ends = ends;
        this.count = count;
    }

    static Result parse(byte[] text, TokenType[] types, int[] ends, int count) {
        JsonParser p = new JsonParser(text, types, ends, count);
        JsonNode v = p.value();
        return p.error != null ? new Result(null, p.error) : new Result(v, null);
    }

    private int start(int i) { return i == 0 ? 0 : ends[i - 1]; }

    private String tokenText(int i) {
        return new String(text, start(i), ends[i] - start(i), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private void fail(String message) {
        if (error == null) error = "JSON parse error, " + message;
    }

    private JsonNode value() {
        if (next >= count) { fail("premature EOI"); return null; }
        return switch (types[next]) {
            case LCURLY -> object();
            case LSQUARE -> array();
            case STRING -> string(next++);
            case INTEGER -> integer(next++);
            case FLOAT -> floating(next++);
            case KEYWORD -> keyword(next++);
            default -> { fail("expecting value"); yield null; }
        };
    }

    private JsonNode object() {
        next++; // '{'
        ObjectNode dict = NODES.objectNode();
        if (next >= count) { fail("premature EOI"); return null; }
        if (types[next] == TokenType.RCURLY) { next++; return dict; }
        if (!pair(dict)) return null;
        while (true) {
            if (next >= count) { fail("premature EOI"); return null; }
            TokenType t = types[next++];
            if (t == TokenType.RCURLY) return dict;
            if (t != TokenType.COMMA) { fail("expected separator in dict"); return null; }
            if (!pair(dict)) return null;
        }
    }

    private boolean pair(ObjectNode dict) {
        if (next >= count) { fail("premature EOI"); return false; }
        JsonNode key = value();
        if (error != null) return false;
        if (key == null || !key.isTextual()) { fail("key is not a string in object"); return false; }
        if (next >= count) { fail("premature EOI"); return false; }
        if (types[next++] != TokenType.COLON) { fail("missing : in object pair"); return false; }
        JsonNode v = value();
        if (v == null) { fail("Missing value in dict"); return false; }
        if (dict.has(key.textValue())) { fail("duplicate key"); return false; }
        dict.set(key.textValue(), v);
        return true;
    }

    private JsonNode array() {
        next++; // '['
        ArrayNode list = NODES.arrayNode();
        if (next >= count) { fail("premature EOI"); return null; }
        if (types[next] == TokenType.RSQUARE) { next++; return list; }
        JsonNode v = value();
        if (v == null) { fail("expecting value"); return null; }
        list.add(v);
        while (true) {
            if (next >= count) { fail("premature EOI"); return null; }
            TokenType t = types[next++];
            if (t == TokenType.RSQUARE) return list;
            if (t != TokenType.COMMA) { fail("expected separator in list"); return null; }
            v = value();
            if (v == null) { fail("expecting value"); return null; }
            list.add(v);
        }
    }

    private JsonNode keyword(int i) {
        String k = tokenText(i);
        return switch (k) {
            case "true" -> NODES.booleanNode(true);
            case "false" -> NODES.booleanNode(false);
            case "null" -> NODES.nullNode();
            default -> { fail("invalid keyword '" + k + "'"); yield null; }
        };
    }

    /** qemu_strtoi64, else qemu_strtou64 for a non-negative one, else strtod (parse_literal's fall through). */
    private JsonNode integer(int i) {
        String s = tokenText(i);
        boolean negative = s.charAt(0) == '-';
        int digits = s.length() - (negative ? 1 : 0); // the lexer allows no leading zeros
        if (digits <= 18) return NODES.numberNode(Long.parseLong(s));
        if (digits <= 20) { // a BigInteger of at most 20 digits: cheap
            BigInteger big = new BigInteger(s);
            if (big.bitLength() < 64) return NODES.numberNode(big.longValue());
            if (!negative && big.bitLength() == 64) return NODES.numberNode(big);
        }
        return NODES.numberNode(Double.parseDouble(s)); // linear in the length, like strtod
    }

    private JsonNode floating(int i) {
        return NODES.numberNode(Double.parseDouble(tokenText(i)));
    }

    /** QEMU's parse_string. */
    private JsonNode string(int i) {
        int from = start(i), end = ends[i];
        byte quote = text[from];
        int p = from + 1;
        int close = end - 1; // the token ends with its closing quote
        StringBuilder sb = new StringBuilder(close - p);
        while (p < close) {
            int c = text[p] & 0xFF;
            if (c == '\\') {
                int beg = p++;
                int e = text[p++] & 0xFF;
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\'' -> sb.append('\'');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        int cp = hex4(p, end);
                        p += 4;
                        if (cp >= 0xD800 && cp <= 0xDBFF && p + 1 < end && text[p] == '\\' && text[p + 1] == 'u') {
                            int trailing = hex4(p + 2, end);
                            if (trailing >= 0xDC00 && trailing <= 0xDFFF) {
                                cp = 0x10000 + ((cp & 0x3FF) << 10) | (trailing & 0x3FF);
                                p += 6;
                            } else {
                                cp = -1;
                            }
                        }
                        if (!ModifiedUtf8.isValidCodepoint(cp)) {
                            // "%.*s is not a valid Unicode character": the escape's bytes as written, which QEMU's
                            // JSON writer then prints as UTF-8 (invalid sequences as U+FFFD), not byte by byte.
                            int stop = Math.min(p, end);
                            fail(ModifiedUtf8.lenient(text, beg, stop) + " is not a valid Unicode character");
                            return null;
                        }
                        sb.appendCodePoint(cp);
                    }
                    default -> { fail("invalid escape sequence in string"); return null; }
                }
                if (p > close) break;
            } else if (c == quote) {
                break; // cannot happen: the lexer ends the token at the first unescaped quote
            } else {
                long d = ModifiedUtf8.decode(text, p, close);
                int cp = ModifiedUtf8.codepoint(d);
                if (cp < 0) { fail("invalid UTF-8 sequence in string"); return null; }
                sb.appendCodePoint(cp);
                p += ModifiedUtf8.length(d);
            }
        }
        return NODES.textNode(sb.toString());
    }

    private int hex4(int p, int end) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            if (p + k >= end) return -1;
            int c = text[p + k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) return -1;
            v = v << 4 | d;
        }
        return v;
    }
}
