package vdm.pci;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function's address: segment, bus, device, function, written {@code SSSS:BB:DD.F} as Linux and Xen print it
 * ({@link #toString()}) and {@code [SSSS:]BB:DD.F} as lspci prints it without {@code -D} ({@link #lspci()}). The one
 * address type of every vdm module. Packed into one {@code int} ({@link #packed()}, Xen's {@code sbdf_t}) for
 * array-indexed lookups on the hot path.
 */
public record Sbdf(int segment, int bus, int device, int function) implements Comparable<Sbdf> {
    /** {@code [SSSS:]BB:DD.F}, hex; the segment (lspci's "domain") may be left out. */
    private static final Pattern FORM = Pattern.compile("(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

    public Sbdf {
        if (segment < 0 || segment > 0xffff) throw new IllegalArgumentException(String.format("PCI segment 0x%x must be 0000..ffff", segment));
        if (bus < 0 || bus > 0xff) throw new IllegalArgumentException(String.format("PCI bus 0x%x must be 00..ff", bus));
        if (device < 0 || device > 0x1f) throw new IllegalArgumentException(String.format("PCI device 0x%x must be 00..1f", device));
        if (function < 0 || function > 7) throw new IllegalArgumentException("PCI function " + function + " must be 0..7");
    }

    /** A function on segment 0. */
    public Sbdf(int bus, int device, int function) {
        this(0, bus, device, function);
    }

    /**
     * Parses {@code SSSS:BB:DD.F} or {@code BB:DD.F} (segment 0), hex, as Linux, Xen and lspci print addresses; the
     * message names the text and the forms accepted.
     */
    public static Sbdf parse(String text) {
        if (text == null) throw new IllegalArgumentException("PCI address is missing");
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a PCI address of the form BB:DD.F or DDDD:BB:DD.F");
        }
        int segment = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        return new Sbdf(segment, Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4), 16));
    }

    /** The address pattern (unanchored), for parsers of text that embeds addresses (an lspci dump's device lines). */
    public static Pattern pattern() {
        return FORM;
    }

    /** devfn as Xen and Linux encode it: device << 3 | function. */
    public int devfn() {
        return device << 3 | function;
    }

    /** segment << 16 | bus << 8 | devfn: Xen's sbdf_t layout. */
    public int packed() {
        return segment << 16 | bus << 8 | devfn();
    }

    public static Sbdf unpack(int packed) {
        return new Sbdf(packed >>> 16, (packed >>> 8) & 0xff, (packed >>> 3) & 0x1f, packed & 7);
    }

    @Override
    public int compareTo(Sbdf o) {
        return Integer.compareUnsigned(packed(), o.packed());
    }

    /** By the packed value: SBDFs key the model's maps, and the record's generic equals is slower. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Sbdf s && s.packed() == packed();
    }

    @Override
    public int hashCode() {
        return packed();
    }

    /** As lspci prints it without {@code -D}: {@code BB:DD.F}, with the segment only when it is not 0. */
    public String lspci() {
        String s = toString();
        return segment == 0 ? s.substring(5) : s;
    }

    @Override
    public String toString() {
        // By hand rather than String.format: SBDFs are printed in every log line and violation.
        char[] c = new char[12];
        hex(c, 0, segment, 4);
        c[4] = ':';
        hex(c, 5, bus, 2);
        c[7] = ':';
        hex(c, 8, device, 2);
        c[10] = '.';
        c[11] = (char) ('0' + function);
        return new String(c);
    }

    private static void hex(char[] c, int at, int value, int digits) {
        for (int i = digits - 1; i >= 0; i--, value >>>= 4) c[at + i] = Character.forDigit(value & 0xf, 16);
    }
}
