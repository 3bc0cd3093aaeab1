package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import vdm.qmp.QmpError;

/**
 * qdev's {@code addr} property as QEMU 7.2 takes it from device_add: set_pci_devfn
 * (hw/core/qdev-properties-system.c) reads "S.F" or "S" in hex with sscanf ("%x.%x%n", then "%x%n"), wants nothing
 * after it, slot at most 0x1f and function at most 7. Over QMP every value reaches it as text first (checked live:
 * the integer 10 is "10", slot 0x10; true is "on", refused), so an integer is a slot written in hex digits, not a
 * devfn. Anything else: {@code Property 'DRIVER.addr' doesn't take value 'TEXT'}.
 */
final class PciDevfn {
    private PciDevfn() {}

    /** The devfn {@code value} names (slot << 3 | function). */
    static int parse(JsonNode value, String driver) throws QmpError {
        String text = value.isTextual() ? value.textValue() : value.isBoolean() ? (value.booleanValue() ? "on" : "off")
                : value.isNumber() ? value.asText() : value.toString();
        long[] slot = new long[1], fn = new long[1];
        int n = scanHex(text, 0, slot);
        if (n >= 0 && n < text.length() && text.charAt(n) == '.') {
            int m = scanHex(text, n + 1, fn);
            if (m >= 0) n = m;
            else fn[0] = 0; // "%x.%x" matched one field: "%x%n" again, with the dot left over
        }
        if (n < 0 || n != text.length() || slot[0] > 31 || fn[0] > 7) {
            throw QmpError.generic("Property '" + driver + ".addr' doesn't take value '" + text + "'");
        }
        return (int) (slot[0] << 3 | fn[0]);
    }

    /**
     * C's sscanf {@code %x} from {@code at}: white space, a sign, an optional 0x prefix (glibc takes a bare "0x" as
     * 0), hex digits. Returns where it stopped, or -1 if nothing matched; a negative or too long value is stored as
     * one no slot can have.
     */
    private static int scanHex(String s, int at, long[] out) {
        int i = at;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) negative = s.charAt(i++) == '-';
        int digitsFrom = i;
        if (i + 1 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')) i += 2;
        long v = 0;
        int digits = 0;
        while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0) {
            if (v < (1L << 40)) v = v * 16 + Character.digit(s.charAt(i), 16);
            i++;
            digits++;
        }
        if (digits == 0 && i == digitsFrom) return -1;
        out[0] = negative && v != 0 ? Long.MAX_VALUE : v;
        return i;
    }
}
