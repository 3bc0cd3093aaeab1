package vdm.capture;

import java.util.ArrayList;
import java.util.List;
import vdm.ioapic.InterruptSourceOverride;

/**
 * What vdm takes from the MADT (signature "APIC", ACPI 6.5, 5.2.12): after the 36-byte header, the local APIC
 * address (u32) and flags (u32), then interrupt controller structures, each {type u8, length u8, ...}. Kept: type 1,
 * I/O APIC {id u8, reserved u8, address u32, GSI base u32} (length 12), and type 2, Interrupt Source Override
 * {bus u8, source u8, GSI u32, MPS INTI flags u16} (length 10). Local APICs (types 0 and 9) and the other types are
 * counted and ignored: vdm models no CPUs' interrupt controllers. Like Linux's {@code acpi_parse_entries_array}, a
 * structure whose length is under 2 or runs past the table is an error.
 */
public record MadtTable(List<IoApicEntry> ioApics, List<InterruptSourceOverride> overrides, int ignored, List<String> notes) {
    /** An I/O APIC structure and where it was. */
    public record IoApicEntry(int id, long address, int gsiBase, int offset) {}

    public MadtTable {
        ioApics = List.copyOf(ioApics);
        overrides = List.copyOf(overrides);
        notes = List.copyOf(notes);
    }

    public static MadtTable parse(AcpiTable t) {
        if (!t.signature().equals("APIC")) throw new CaptureException(t.origin() + ": signature '" + t.signature() + "' is not APIC (MADT)");
        t.u32(40, "MADT flags"); // the fixed part must be there: local APIC address at 36, flags at 40
        List<IoApicEntry> apics = new ArrayList<>();
        List<InterruptSourceOverride> overrides = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int ignored = 0;
        int off = 44;
        while (off < t.length()) {
            int type = t.u8(off, "MADT structure type");
            int len = t.u8(off + 1, "MADT structure length");
            if (len < 2 || off + len > t.length()) {
                throw new CaptureException(String.format("%s: MADT structure type %d at offset %d has length %d, which %s: truncated",
                        t.origin(), type, off, len, len < 2 ? "is under the 2-byte structure header" : "runs past the end of the table ("
                                + t.length() + " bytes)"));
            }
            switch (type) {
                case 1 -> {
                    expect(t, off, len, 12, "I/O APIC");
                    apics.add(new IoApicEntry(t.u8(off + 2, "I/O APIC ID"), t.u32(off + 4, "I/O APIC address"),
                            (int) t.u32(off + 8, "Global System Interrupt Base"), off));
                }
                case 2 -> {
                    expect(t, off, len, 10, "Interrupt Source Override");
                    int bus = t.u8(off + 2, "override bus");
                    int source = t.u8(off + 3, "override source");
                    long gsi = t.u32(off + 4, "override Global System Interrupt");
                    int flags = t.u16(off + 8, "override flags");
                    if (bus != 0) notes.add(String.format("override at offset %d is for bus %d, not ISA (0); taken as ISA", off, bus));
                    try {
                        overrides.add(new InterruptSourceOverride(source, (int) gsi, flags & 0xf));
                    } catch (IllegalArgumentException e) {
                        throw new CaptureException(String.format("%s: Interrupt Source Override at offset %d: %s", t.origin(), off, e.getMessage()), e);
                    }
                }
                default -> ignored++;
            }
            off += len;
        }
        return new MadtTable(apics, overrides, ignored, notes);
    }

    private static void expect(AcpiTable t, int off, int len, int want, String what) {
        if (len != want) {
            throw new CaptureException(String.format("%s: %s structure at offset %d has length %d, not %d: truncated or malformed",
                    t.origin(), what, off, len, want));
        }
    }
}
