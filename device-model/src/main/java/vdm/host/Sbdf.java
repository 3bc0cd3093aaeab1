package vdm.host;

/**
 * A PCI function's address: segment, bus, device, function, written {@code SSSS:BB:DD.F} as Linux and Xen print it.
 * Packed into one {@code int} ({@link #packed()}) for array-indexed lookups on the hot path.
 */
public record Sbdf(int segment, int bus, int device, int function) implements Comparable<Sbdf> {
    public Sbdf {
        if (segment < 0 || segment > 0xffff) throw new IllegalArgumentException(String.format("segment 0x%x must fit 16 bits", segment));
        if (bus < 0 || bus > 0xff) throw new IllegalArgumentException(String.format("bus 0x%x must fit 8 bits", bus));
        if (device < 0 || device > 0x1f) throw new IllegalArgumentException(String.format("device 0x%x must be 0..0x1f", device));
        if (function < 0 || function > 7) throw new IllegalArgumentException("function " + function + " must be 0..7");
    }

    /** Parses {@code SSSS:BB:DD.F} or {@code BB:DD.F} (segment 0); the message names the text. */
    public static Sbdf parse(String text) {
        if (text == null) throw new IllegalArgumentException("SBDF is missing");
        String t = text.trim();
        try {
            String[] parts = t.split(":");
            int seg = 0;
            int i = 0;
            if (parts.length == 3) seg = Integer.parseInt(parts[i++], 16);
            else if (parts.length != 2) throw new NumberFormatException();
            int bus = Integer.parseInt(parts[i++], 16);
            String[] df = parts[i].split("\\.");
            if (df.length != 2) throw new NumberFormatException();
            return new Sbdf(seg, bus, Integer.parseInt(df[0], 16), Integer.parseInt(df[1], 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an SBDF (expected SSSS:BB:DD.F)");
        }
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
