package vdm.qmp.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HMP's {@code help} and {@code ?}, as QEMU 7.2's help_cmd (monitor/hmp.c): the argument is split as parse_cmdline
 * and get_str split it (words at C spaces, double-quoted words with the escapes n, r, backslash, ' and ", each word
 * cut to 1,023 bytes, at most 16 words); then help_cmd_dump walks the command table word by word. A line
 * parse_cmdline refuses (an unterminated quote, an unknown escape, a 17th word) prints nothing on the monitor: QEMU
 * prints its complaint on its own stdout. Lines end in {@code \n} here; the caller converts them as monitor_puts does.
 */
final class HmpHelp {
    private HmpHelp() {}

    /** One command of a table: its names ({@code help|?}), its parameters text, its help, its subcommands (or none). */
    record Entry(String names, String params, String help, List<Entry> subcommands) {
        boolean named(String word) {
            // hmp_compare_cmd: the word is one of the '|'-separated names
            for (String n : names.split("\\|", -1)) if (n.equals(word)) return true;
            return false;
        }
    }

    /** parse_cmdline's MAX_ARGS and get_str's buffer of 1,024 bytes, one kept for the terminating NUL. */
    static final int MAX_WORDS = 16, WORD_BYTES = 1023;

    /** What {@code help ARG} prints; {@code arg} is the rest of the line without its surrounding spaces, null if none. */
    static String help(List<Entry> table, String arg) {
        List<String> words = arg == null ? List.of() : words(arg);
        if (words == null) return "";
        StringBuilder out = new StringBuilder();
        dump(out, table, words, 0);
        return out.toString();
    }

    /** As help_cmd_dump: every entry when the words are used up, else the one the next word names, or "unknown". */
    private static void dump(StringBuilder out, List<Entry> table, List<String> words, int at) {
        if (at >= words.size()) {
            for (Entry e : table) dumpOne(out, e, words, at);
            return;
        }
        for (Entry e : table) {
            if (!e.named(words.get(at))) continue;
            if (e.subcommands().isEmpty()) dumpOne(out, e, words, at);
            else dump(out, e.subcommands(), words, at + 1);
            return;
        }
        out.append("unknown command: '").append(String.join(" ", words.subList(0, at + 1))).append("'\n");
    }

    /** As help_cmd_dump_one: the words that led here, then "NAMES PARAMS -- HELP". */
    private static void dumpOne(StringBuilder out, Entry e, List<String> words, int prefix) {
        for (int i = 0; i < prefix; i++) out.append(words.get(i)).append(' ');
        out.append(e.names()).append(' ').append(e.params()).append(" -- ").append(e.help()).append('\n');
    }

    /** parse_cmdline over the UTF-8 bytes QEMU sees; null where it fails. */
    static List<String> words(String arg) {
        byte[] b = arg.getBytes(StandardCharsets.UTF_8);
        List<String> words = new ArrayList<>();
        int p = 0;
        while (true) {
            while (p < b.length && isSpace(b[p])) p++;
            if (p == b.length) return words;
            if (words.size() >= MAX_WORDS) return null;
            ByteArrayOutputStream w = new ByteArrayOutputStream();
            if (b[p] == '"') {
                p++;
                while (p < b.length && b[p] != '"') {
                    int c = b[p++];
                    if (c == '\\') {
                        if (p == b.length) return null; // the NUL after the backslash: an unsupported escape
                        c = switch (b[p++]) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case '\\' -> '\\';
                            case '\'' -> '\'';
                            case '"' -> '"';
                            default -> -1;
                        };
                        if (c < 0) return null;
                    }
                    if (w.size() < WORD_BYTES) w.write(c);
                }
                if (p == b.length) return null; // unterminated string
                p++;
            } else {
                while (p < b.length && !isSpace(b[p])) {
                    if (w.size() < WORD_BYTES) w.write(b[p]);
                    p++;
                }
            }
            // A word cut inside a UTF-8 sequence keeps its broken tail, which QEMU's JSON output turns into U+FFFD
            words.add(w.toString(StandardCharsets.UTF_8));
        }
    }

    /** qemu_isspace: C's isspace in the C locale. */
    static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }
}
