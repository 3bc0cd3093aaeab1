package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vdm.testkit.QemuVersion;
import vdm.testkit.Seeds;

/**
 * Differential fuzzing of the QMP lexer, streamer and parser against QEMU 7.2 (qemu-system-x86_64 -M none): random
 * bytes, mutated messages and grammar-built messages, each on a fresh connection to both before negotiation, must
 * get the same reply lines, byte for byte (errors, and ids as QEMU echoes them); then the same kinds again after
 * negotiation, where commands are dispatched. The seed is pinned for CI;
 * {@code -Dvdm.seed=random} draws another, and a failure names the seed and the inputs.
 */
class QemuLexerFuzzTest {
    private static final String QEMU = "qemu-system-x86_64";
    private static final int INPUTS_PER_KIND = 1000;
    /** The bytes random input is drawn from: JSON's own, and the ones the lexer treats specially. */
    private static final byte[] ALPHABET = alphabet("{}[],:\"'\\ -+.0123456789eEaflnrstuxz@%/\t\n\r",
            0x00, 0x01, 0x1f, 0x7f, 0x80, 0xc0, 0xc3, 0xa9, 0xed, 0xa0, 0xfe, 0xff);
    private static final List<String> SEEDS_TEXT = List.of(
            "{\"execute\":\"x\",\"id\":1}", "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[]}}",
            "{'execute':'x','id':'a\\'b'}", "[1,2.5e3,-0,\"\\u00e9\"]", "{\"execute\":\"x\",\"id\":[true,null,{}]}",
            "{\"id\":\"\\ud83d\\ude00\",\"execute\":\"nope\"}");

    private static QemuQmp qemu;
    private static Path qemuSocket;
    private static TestServer vdm;

    @BeforeAll
    static void start() throws Exception {
        if (!QemuQmp.installed()) fail(QEMU + " is not installed; this test compares vdm's lexer with QEMU 7.2's");
        QemuVersion.requireInstalled(QemuVersion.BOOKWORM);
        qemu = QemuQmp.start("-M", "none", "-accel", "tcg", "-S", "-display", "none", "-nodefaults");
        qemuSocket = qemu.socket;
        vdm = TestServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (qemu != null) qemu.close();
        if (vdm != null) vdm.close();
    }

    @Test
    void randomMutatedAndGrammarBuiltInputsGetTheSameRepliesAsFromQemu() throws IOException {
        fuzz(false, 0x16A_1E7E4L);
    }

    /**
     * The same kinds of input after qmp_capabilities: now commands are looked up and their arguments checked
     * (qmp_dispatch), so the grammar's {@code execute} names a command both servers have with the same answer
     * ({@code qmp_capabilities}, refused as already negotiated, or with bad arguments) or none ({@code nope}).
     */
    @Test
    void theSameInputsInCommandModeGetTheSameRepliesAsFromQemu() throws IOException {
        fuzz(true, 0x16B_C0DEL);
    }

    /**
     * Of many undeclared members QEMU names the first in its GHashTable's slot order, which the table's growth and
     * shrinking while the visitor removes what it read decide: objects of 1 to 60 random keys, with and without the
     * declared members, on both servers (one connection each, in command mode).
     */
    @Test
    void ofManyUndeclaredMembersTheSameOneIsNamedAsByQemu() throws IOException {
        Seeds seeds = Seeds.of(QemuLexerFuzzTest.class, 0x6_4A5L);
        for (long seed : seeds.cases(1).toArray()) {
            SplittableRandom r = new SplittableRandom(seed);
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            in.writeBytes(NEGOTIATE);
            for (int i = 0; i < 300; i++) {
                StringBuilder args = new StringBuilder("{");
                // qmp_capabilities declares one optional member (its removal reshapes the table), query-version none
                String command = r.nextBoolean() ? "qmp_capabilities" : "query-version";
                if (command.equals("qmp_capabilities") && r.nextBoolean()) args.append("\"enable\": [], ");
                int n = 1 + r.nextInt(r.nextBoolean() ? 8 : 60);
                for (int k = 0; k < n; k++) {
                    StringBuilder key = new StringBuilder();
                    for (int c = 1 + r.nextInt(6); c > 0; c--) key.append((char) ('a' + r.nextInt(26)));
                    if (r.nextInt(8) == 0) key.append("\\u00e9");
                    args.append('"').append(key).append("\": ").append(k).append(k + 1 < n ? ", " : "");
                }
                in.writeBytes(("{\"execute\": \"" + command + "\", \"id\": " + i + ", \"arguments\": " + args + "}}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            byte[] input = in.toByteArray();
            List<String> fromQemu = exchange(new Endpoint.Unix(qemuSocket), input);
            List<String> fromVdm = exchange(new Endpoint.Unix(vdm.socket), input);
            assertEquals(301, fromQemu.size(), "QEMU answered every request");
            int differ = 0;
            StringBuilder first = new StringBuilder();
            for (int i = 0; i < fromQemu.size(); i++) {
                if (!fromQemu.get(i).equals(fromVdm.get(i)) && differ++ < 5) first.append("\n  qemu: ").append(fromQemu.get(i)).append("\n  vdm:  ").append(fromVdm.get(i));
            }
            System.out.println("QemuLexerFuzzTest (undeclared members): 300 requests, " + differ + " named differently; " + seeds.describe(seed));
            assertEquals("", first.toString(), seeds.describe(seed));
        }
    }

    private static final byte[] NEGOTIATE = "{\"execute\": \"qmp_capabilities\"}\n".getBytes(StandardCharsets.US_ASCII);

    private static void fuzz(boolean negotiated, long pinned) throws IOException {
        Seeds seeds = Seeds.of(QemuLexerFuzzTest.class, pinned);
        List<String> mismatches = new ArrayList<>();
        int inputs = 0;
        int[] mismatched = new int[3]; // per kind: random, mutated, grammar-built
        for (long seed : seeds.cases(1).toArray()) {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < INPUTS_PER_KIND * 3; i++) {
                byte[] input = switch (i % 3) {
                    case 0 -> randomBytes(r);
                    case 1 -> mutated(r);
                    default -> grammar(r, negotiated);
                };
                if (negotiated) {
                    byte[] both = java.util.Arrays.copyOf(NEGOTIATE, NEGOTIATE.length + input.length);
                    System.arraycopy(input, 0, both, NEGOTIATE.length, input.length);
                    input = both;
                }
                inputs++;
                List<String> fromQemu = exchange(new Endpoint.Unix(qemuSocket), input);
                List<String> fromVdm = exchange(new Endpoint.Unix(vdm.socket), input);
                if (!fromQemu.equals(fromVdm) && mismatched[i % 3]++ >= 0 && mismatches.size() < 20) {
                    mismatches.add("input " + printable(input) + "\n  qemu: " + fromQemu + "\n  vdm:  " + fromVdm);
                }
            }
            System.out.println("QemuLexerFuzzTest" + (negotiated ? " (command mode)" : "") + ": " + inputs + " inputs, mismatches: " + mismatched[0] + " random, "
                    + mismatched[1] + " mutated, " + mismatched[2] + " grammar-built; " + seeds.describe(seed));
            assertEquals("", String.join("\n", mismatches), seeds.describe(seed));
        }
    }

    private static byte[] randomBytes(SplittableRandom r) {
        byte[] b = new byte[1 + r.nextInt(24)];
        for (int i = 0; i < b.length; i++) b[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        return terminated(b);
    }

    private static byte[] mutated(SplittableRandom r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = SEEDS_TEXT.get(r.nextInt(SEEDS_TEXT.size())).getBytes(StandardCharsets.UTF_8);
        int at = r.nextInt(b.length), kind = r.nextInt(3);
        for (int i = 0; i < b.length; i++) {
            if (i == at && kind == 0) out.write(ALPHABET[r.nextInt(ALPHABET.length)]); // insert
            if (i == at && kind == 1) continue; // delete
            out.write(i == at && kind == 2 ? ALPHABET[r.nextInt(ALPHABET.length)] : b[i]); // replace
        }
        return terminated(out.toByteArray());
    }

    private static byte[] grammar(SplittableRandom r, boolean negotiated) {
        StringBuilder sb = new StringBuilder("{\"execute\": ");
        // query-version's answer differs between the two (the version); qmp_capabilities' does not, once negotiated
        String known = negotiated ? "\"qmp_capabilities\"" : "\"query-version\"";
        sb.append(r.nextInt(4) == 0 ? value(r, 1) : r.nextBoolean() ? "\"nope\"" : known);
        if (r.nextInt(4) > 0) sb.append(", \"id\": ").append(value(r, 0));
        if (r.nextInt(4) == 0) sb.append(", ").append(string(r)).append(": ").append(value(r, 1));
        if (r.nextInt(4) == 0) sb.append(", \"arguments\": ").append(value(r, 1));
        return terminated(sb.append('}').toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String value(SplittableRandom r, int depth) {
        return switch (r.nextInt(depth > 2 ? 4 : 6)) {
            case 0 -> number(r);
            case 1 -> string(r);
            case 2 -> List.of("true", "false", "null", "nul", "True").get(r.nextInt(5));
            case 3 -> number(r);
            case 4 -> {
                StringBuilder sb = new StringBuilder("[");
                for (int i = r.nextInt(3); i > 0; i--) sb.append(value(r, depth + 1)).append(i > 1 ? ", " : "");
                yield sb.append(']').toString();
            }
            default -> {
                StringBuilder sb = new StringBuilder("{");
                for (int i = r.nextInt(3); i > 0; i--) {
                    sb.append(string(r)).append(": ").append(value(r, depth + 1)).append(i > 1 ? ", " : "");
                }
                yield sb.append('}').toString();
            }
        };
    }

    private static String number(SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        if (r.nextBoolean()) sb.append('-');
        int digits = r.nextInt(6) == 0 ? 15 + r.nextInt(12) : 1 + r.nextInt(4);
        for (int i = 0; i < digits; i++) sb.append((char) ('0' + r.nextInt(i == 0 && digits > 1 ? 1 : 0, 10)));
        if (r.nextInt(3) == 0) sb.append('.').append(r.nextInt(1000));
        if (r.nextInt(3) == 0) {
            sb.append(r.nextBoolean() ? 'e' : 'E').append(List.of("", "+", "-").get(r.nextInt(3))).append(r.nextInt(400));
        }
        return sb.toString();
    }

    private static String string(SplittableRandom r) {
        char q = r.nextInt(4) == 0 ? '\'' : '"';
        StringBuilder sb = new StringBuilder().append(q);
        for (int i = r.nextInt(5); i > 0; i--) {
            sb.append(switch (r.nextInt(8)) {
                case 0 -> "\\u" + Integer.toHexString(0x10000 | r.nextInt(0x10000)).substring(1);
                case 1 -> List.of("\\ud83d\\ude00", "\\ud83d", "\\ude00", "\\u12", "\\uzz00", "\\ufffe", "\\u0000").get(r.nextInt(7));
                case 2 -> List.of("\\n", "\\t", "\\/", "\\'", "\\\"", "\\x", "\\\\").get(r.nextInt(7));
                case 3 -> "\u00e9";
                default -> String.valueOf((char) ('a' + r.nextInt(26)));
            });
        }
        return sb.append(q).toString();
    }

    /** Ends an input with a newline so that a trailing number or keyword is lexed, as a line-based client sends it. */
    private static byte[] terminated(byte[] b) {
        byte[] t = java.util.Arrays.copyOf(b, b.length + 1);
        t[b.length] = '\n';
        return t;
    }

    /** Sends {@code input} on a fresh connection, half-closes, and returns every line after the greeting. */
    private static List<String> exchange(Endpoint e, byte[] input) throws IOException {
        try (var c = TestServer.Conn.open(e)) {
            c.sendBytes(input);
            c.client.shutdownOutput();
            List<String> lines = new ArrayList<>();
            try {
                for (String l; (l = c.client.readLine(Duration.ofSeconds(3))) != null; ) lines.add(l);
            } catch (java.net.SocketTimeoutException t) {
                lines.add("(no end of stream within 3 s)");
            }
            return lines;
        }
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.toString();
    }

    private static byte[] alphabet(String ascii, int... more) {
        byte[] a = new byte[ascii.length() + more.length];
        for (int i = 0; i < ascii.length(); i++) a[i] = (byte) ascii.charAt(i);
        for (int i = 0; i < more.length; i++) a[ascii.length() + i] = (byte) more[i];
        return a;
    }
}
