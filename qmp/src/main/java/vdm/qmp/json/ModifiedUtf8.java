package vdm.qmp.json;

/**
 * The bytes of JSON strings as QEMU holds them: UTF-8 where "\xC0\x80" stands for U+0000 (modified UTF-8). Decoded
 * as util/unicode.c's {@code mod_utf8_codepoint} does (overlong forms, surrogates, noncharacters and code points beyond
 * U+10FFFF are invalid); encoded where vdm must hash a key as QEMU does (QDict buckets, the visitor's GHashTable).
 */
final class ModifiedUtf8 {
    private static final int[] MIN_CODEPOINT = {0x80, 0x800, 0x10000, 0x200000, 0x4000000};

    private ModifiedUtf8() {}

    /** QEMU's {@code is_valid_codepoint}: not a surrogate, not a noncharacter, at most U+10FFFF. */
    static boolean isValidCodepoint(int cp) {
        if (cp < 0 || cp > 0x10FFFF) return false;
        if ((cp & 0xFFFFF800) == 0xD800) return false;
        if (cp >= 0xFDD0 && cp <= 0xFDEF) return false;
        return (cp & 0xFFFE) != 0xFFFE;
    }

    /**
     * Decodes one code point at {@code pos} (bytes up to {@code end}); returns {@code cp | (length << 32)} as a long,
     * with cp == -1 for an invalid sequence (length is then how many bytes QEMU skips).
     */
    static long decode(byte[] s, int pos, int end) {
        int p = pos;
        int b = s[p++] & 0xFF;
        int cp;
        if (b < 0x80) {
            cp = b;
        } else if (b >= 0xFE || (b & 0x40) == 0) {
            cp = -1; // impossible byte, or a continuation byte where a sequence should start
        } else {
            int len = 0, mask;
            for (mask = 0x80; (b & mask) != 0; mask >>= 1) len++;
            cp = b & (mask - 1);
            for (int i = 1; i < len; i++) {
                int c = p < end ? s[p] & 0xFF : 0;
                if ((c & 0xC0) != 0x80) {
                    return pack(-1, p - pos);
                }
                p++;
                cp = (cp << 6) | (c & 0x3F);
            }
            if (!isValidCodepoint(cp) || (cp < MIN_CODEPOINT[len - 2] && !(cp == 0 && len == 2))) {
                cp = -1;
            }
        }
        return pack(cp, p - pos);
    }

    private static long pack(int cp, int length) {
        return (cp & 0xFFFFFFFFL) | ((long) length << 32);
    }

    static int codepoint(long packed) {
        return (int) packed;
    }

    static int length(long packed) {
        return (int) (packed >>> 32);
    }

    /** Text of raw input bytes for an error message: invalid sequences become U+FFFD, as QEMU's JSON writer does. */
    static String lenient(byte[] s, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int p = from;
        while (p < to) {
            long d = decode(s, p, to);
            int cp = codepoint(d);
            sb.appendCodePoint(cp < 0 ? 0xFFFD : cp);
            p += Math.max(1, length(d));
        }
        return sb.toString();
    }

    /**
     * The bytes QEMU holds for a string it parsed: UTF-8, but NUL as the overlong pair C0 80 (parse_string keeps
     * strings NUL-terminated, "modified UTF-8"), and a lone surrogate as its own three-byte form.
     */
    static byte[] encode(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length() + 8);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == 0) {
                out.write(0xC0);
                out.write(0x80);
            } else if (c < 0x80) {
                out.write(c);
            } else if (c < 0x800) {
                out.write(0xC0 | c >> 6);
                out.write(0x80 | c & 0x3F);
            } else if (c < 0x10000) {
                out.write(0xE0 | c >> 12);
                out.write(0x80 | c >> 6 & 0x3F);
                out.write(0x80 | c & 0x3F);
            } else {
                out.write(0xF0 | c >> 18);
                out.write(0x80 | c >> 12 & 0x3F);
                out.write(0x80 | c >> 6 & 0x3F);
                out.write(0x80 | c & 0x3F);
            }
        }
        return out.toByteArray();
    }
}
