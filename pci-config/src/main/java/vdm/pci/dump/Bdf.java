package vdm.pci.dump;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function address as lspci prints it: {@code [DDDD:]BB:DD.F}. The domain is printed only when non-zero,
 * which is what lspci does without {@code -D}.
 */
public record Bdf(int domain, int bus, int device, int function) {
    private static final Pattern FORM = Pattern.compile("(?:([0-9a-fA-F]{4,6}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-9a-fA-F])");

    public Bdf {
        if (domain < 0 || domain > 0xffffff) throw new IllegalArgumentException(String.format("PCI domain 0x%x is out of range", domain));
        if (bus < 0 || bus > 0xff) throw new IllegalArgumentException(String.format("PCI bus 0x%x must be 00..ff", bus));
        if (device < 0 || device > 0x1f) throw new IllegalArgumentException(String.format("PCI device 0x%x must be 00..1f", device));
        if (function < 0 || function > 7) throw new IllegalArgumentException("PCI function " + function + " must be 0..7");
    }

    public Bdf(int bus, int device, int function) {
        this(0, bus, device, function);
    }

    /** Parses {@code BB:DD.F} or {@code DDDD:BB:DD.F} (hex); the message names what is wrong. */
    public static Bdf parse(String text) {
        if (text == null) throw new IllegalArgumentException("PCI address is missing");
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a PCI address of the form BB:DD.F or DDDD:BB:DD.F");
        }
        int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        return new Bdf(domain, Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4), 16));
    }

    /** The pattern at the start of an lspci device line (without anchors), shared with the dump parser. */
    static Pattern pattern() {
        return FORM;
    }

    @Override
    public String toString() {
        String bdf = String.format("%02x:%02x.%x", bus, device, function);
        return domain == 0 ? bdf : String.format("%04x:%s", domain, bdf);
    }
}
