package vdm.host;

import java.util.Locale;

/**
 * One entry of the host's memory map as firmware reports it (the BIOS E820 table, or UEFI's map converted to it;
 * Linux shows it in /sys/firmware/memmap and Xen in its boot log): a range of physical addresses, both ends
 * inclusive, and what it is. Xen's is_memory_hole and pci_sanitize_bar_memory test a BAR against every entry,
 * whatever its type.
 */
public record MemoryRegion(long start, long end, Type type) {
    /** The E820 types (ACPI 6.5, 15.1), with the word a host file uses and the name Linux's memmap prints. */
    public enum Type {
        RAM(1, "ram", "System RAM"),
        RESERVED(2, "reserved", "Reserved"),
        ACPI(3, "acpi", "ACPI Tables"),
        NVS(4, "nvs", "ACPI Non-volatile Storage"),
        UNUSABLE(5, "unusable", "Unusable memory"),
        PMEM(7, "pmem", "Persistent Memory");

        private final int code;
        private final String word, linuxName;

        Type(int code, String word, String linuxName) {
            this.code = code;
            this.word = word;
            this.linuxName = linuxName;
        }

        public int code() { return code; }
        public String word() { return word; }
        public String linuxName() { return linuxName; }

        /** The type a host file names by its word, or Linux's memmap by its name; an unknown one is refused listing the words. */
        public static Type of(String s) {
            for (Type t : values()) if (t.word.equals(s.toLowerCase(Locale.ROOT)) || t.linuxName.equals(s)) return t;
            throw new IllegalArgumentException("'" + s + "' is not a memory map type (ram, reserved, acpi, nvs, unusable, pmem)");
        }
    }

    public MemoryRegion {
        if (type == null) throw new HostDescriptionException("memory map", "an entry's type is missing");
        if (Long.compareUnsigned(end, start) < 0) {
            throw new HostDescriptionException(describe(start, end, type), "ends before it starts");
        }
    }

    /** True if any address of {@code [from, to]} (inclusive) is in this region. */
    public boolean overlaps(long from, long to) {
        return Long.compareUnsigned(from, end) <= 0 && Long.compareUnsigned(start, to) <= 0;
    }

    private static String describe(long start, long end, Type type) {
        return String.format("memory map entry [0x%x, 0x%x] %s", start, end, type == null ? "?" : type.word);
    }

    @Override
    public String toString() {
        return describe(start, end, type);
    }
}
