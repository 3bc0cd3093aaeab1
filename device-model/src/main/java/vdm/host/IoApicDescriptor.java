package vdm.host;

/**
 * A MADT I/O APIC structure (ACPI 6.5, 5.2.12.3): the IO-APIC's ID, its MMIO address and the first GSI it serves;
 * plus its pin count, which the MADT does not carry (the OS reads it from the VER register) but the host needs.
 */
public record IoApicDescriptor(int id, long address, int gsiBase, int pins) {
    public IoApicDescriptor {
        String me = String.format("IO-APIC %d", id);
        if (id < 0 || id > 0xf) throw new HostDescriptionException(me, "id must be 0..15 (the 82093AA's ID register holds 4 bits)");
        if (address <= 0 || address > 0xffff_ffffL || (address & 0x3ff) != 0) {
            throw new HostDescriptionException(me, String.format("address 0x%x must be a non-zero, 1 KiB aligned 32-bit address", address));
        }
        if (gsiBase < 0) throw new HostDescriptionException(me, "GSI base " + gsiBase + " is negative");
        if (pins < 1 || pins > 240) throw new HostDescriptionException(me, "pin count " + pins + " is not 1..240");
    }

    /** The last GSI served: {@code gsiBase + pins - 1}. */
    public int lastGsi() {
        return gsiBase + pins - 1;
    }

    public boolean serves(int gsi) {
        return gsi >= gsiBase && gsi <= lastGsi();
    }

    @Override
    public String toString() {
        return String.format("IO-APIC %d @0x%x (GSI %d..%d)", id, address, gsiBase, lastGsi());
    }
}
