package vdm.host;

/**
 * One package of a bus's {@code _PRT} (ACPI 6.5, 6.2.13): {@code {Address = device << 16 | 0xFFFF, Pin, Source,
 * Source Index}}. Either {@code Source} is 0 and {@code Source Index} is the GSI the pin is wired to
 * ({@link #link()} null), or {@code Source} names a PCI interrupt link device (PNP0C0F) and the GSI is whatever that
 * link currently decodes. The entry covers every function of the device (function 0xFFFF).
 */
public record PrtEntry(int segment, int bus, int device, IntxPin pin, int gsi, String link) {
    public PrtEntry {
        if (segment < 0 || segment > 0xffff || bus < 0 || bus > 0xff || device < 0 || device > 0x1f || pin == null) {
            throw new HostDescriptionException(String.format("_PRT entry %04x:%02x device %d %s", segment, bus, device, pin),
                    "segment 0..ffff, bus 0..ff, device 0..31 and a pin A..D are required");
        }
        if (link == null && gsi < 0) throw new HostDescriptionException(describe(segment, bus, device, pin), "GSI " + gsi + " is negative");
        if (link != null) gsi = -1;
    }

    /** A pin wired straight to a GSI. */
    public static PrtEntry direct(int segment, int bus, int device, IntxPin pin, int gsi) {
        return new PrtEntry(segment, bus, device, pin, gsi, null);
    }

    /** A pin routed through link device {@code link}. */
    public static PrtEntry viaLink(int segment, int bus, int device, IntxPin pin, String link) {
        if (link == null || link.isBlank()) throw new HostDescriptionException(describe(segment, bus, device, pin), "link name is missing");
        return new PrtEntry(segment, bus, device, pin, -1, link);
    }

    public boolean direct() {
        return link == null;
    }

    /** The lookup key: segment, bus, device and pin packed into one int. */
    int key() {
        return key(segment, bus, device, pin);
    }

    static int key(int segment, int bus, int device, IntxPin pin) {
        return segment << 15 | bus << 7 | device << 2 | pin.prtIndex();
    }

    static String describe(int segment, int bus, int device, IntxPin pin) {
        return String.format("_PRT entry %04x:%02x device %02x %s", segment, bus, device, pin);
    }

    @Override
    public String toString() {
        return describe(segment, bus, device, pin) + " -> " + (link != null ? link : "GSI " + gsi);
    }
}
