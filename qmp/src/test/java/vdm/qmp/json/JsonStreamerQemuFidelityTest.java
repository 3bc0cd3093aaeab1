package vdm.qmp.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The streamer's error sequences and the numbers it echoes, against what QEMU 7.2 (qemu-system-x86_64 -M none,
 * qobject/json-lexer.c, json-streamer.c, json-parser.c) answered to the same bytes: each expectation below was
 * read off real QEMU's replies. A message is shown as "ok: " + the value as {@link JsonWriter} prints it.
 */
class JsonStreamerQemuFidelityTest {
    private static List<String> lex(byte[] input) {
        List<String> out = new ArrayList<>();
        JsonStreamer s = new JsonStreamer(new JsonStreamer.Sink() {
            @Override
            public void message(JsonNode value) {
                ByteBuf b = Unpooled.buffer();
                JsonWriter.write(value, b);
                out.add("ok: " + b.toString(StandardCharsets.UTF_8));
                b.release();
            }

            @Override
            public void error(String desc) {
                out.add(desc);
            }
        });
        s.feed(input, 0, input.length);
        return out;
    }

    private static List<String> lex(String latin1) {
        return lex(latin1.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String stray(String t) {
        return "JSON parse error, stray '" + t + "'";
    }

    @Test
    void afterALexicalErrorTheLexerResumesAtCommasAndColonsToo() {
        // QEMU: stray '@', then ',' alone ("expecting value"), then "x" (a string: not an object, said elsewhere).
        assertEquals(List.of(stray("@"), "JSON parse error, expecting value", "ok: \"x\""), lex("@,\"x\""));
        assertEquals(List.of(stray("@"), "JSON parse error, expecting value", "ok: 1"), lex("@ab:1 "));
        assertEquals(List.of(stray("@"), "JSON parse error, expecting value"), lex("@ab,x"));
        // Spaces and quotes are skipped while recovering: one error.
        assertEquals(List.of(stray("@")), lex("@abc \"x\""));
        assertEquals(List.of(stray("\"a\u0001"), "JSON parse error, expecting value", "ok: 1",
                "JSON parse error, expecting value"), lex("{\"a\u0001\": 1} "));
    }

    @Test
    void aStrayTokenIsQuotedUpToItsFirstNulAsQemuPrintsItWithPercentS() {
        assertEquals(List.of(stray("")), lex("\u0000"));
        assertEquals(List.of(stray("\"ab")), lex("\"ab\u0000cd\" 1 "));
        assertEquals(List.of(stray("@"), stray("")), lex("@\u0000 1 "));
        assertEquals(List.of("JSON parse error, invalid keyword 'ab'", stray("")), lex("ab\u0000cd "));
        assertEquals(List.of(stray("\uFFFD")), lex("\u00ff1 "));
    }

    @Test
    void zeroTakesNoExponentSo0e5IsZeroThenTheKeywordE() {
        assertEquals(List.of("ok: 0", "JSON parse error, invalid keyword 'e'"), lex("0e5"));
        assertEquals(List.of("JSON parse error, expected separator in dict"), lex("{\"id\":0e5}"));
        assertEquals(List.of("ok: 0.5"), lex("0.5e0 "));
    }

    @Test
    void numbersAreEchoedAsQemuPrintsItsQnums() {
        assertEquals(List.of("ok: [100000, 100000, 1500, -0, 0, 0.10000000000000001]"),
                lex("[1e5, 1E+5, 1.5e3, -0.0, -0, 0.1]"));
        assertEquals(List.of("ok: [inf, -inf, 1e+17, 10000000000000000, 9.9999999999999995e-08, 1.2345649999999999e-05]"),
                lex("[1e999, -1e999, 1e17, 1e16, 1e-7, 123456.5e-10]"));
        assertEquals(List.of("ok: [0, 4.9406564584124654e-324, 1.7976931348623157e+308, 0.0001, 1.0000000000000001e-05]"),
                lex("[0.0, 5e-324, 1.7976931348623157e308, 0.0001, 0.00001]"));
        // int64, then uint64, then double (parse_literal).
        assertEquals(List.of("ok: [9223372036854775807, -9223372036854775808, 18446744073709551615, "
                        + "1.8446744073709552e+19, -9.2233720368547758e+18, 1.2345678901234568e+22]"),
                lex("[9223372036854775807, -9223372036854775808, 18446744073709551615, 18446744073709551616, "
                        + "-9223372036854775809, 12345678901234567890123]"));
    }

    @Test
    void aBadUnicodeEscapeIsQuotedAsUtf8TextNotByteByByte() {
        byte[] in = "{\"id\":\"\\u12\u00c3\u00a9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(List.of("JSON parse error, \\u12\u00e9 is not a valid Unicode character"), lex(in));
    }

    @Test
    void aMillionDigitNumberParsesInLinearTime() {
        byte[] in = new byte[1_000_003];
        in[0] = '[';
        for (int i = 1; i <= 1_000_000; i++) in[i] = (byte) ('1' + i % 9);
        in[1_000_001] = ']';
        in[1_000_002] = ' ';
        long t0 = System.nanoTime();
        List<String> out = lex(in);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(List.of("ok: [inf]"), out); // QEMU 7.2 echoes [inf] too: strtod overflows
        assertTrue(ms < 2000, "a million digits took " + ms + " ms");
        // A million-digit fraction: a finite double (QEMU 7.2 echoes the same).
        in[2] = '.';
        assertEquals(List.of("ok: [2.4567891234567889]"), lex(in));
    }
}
