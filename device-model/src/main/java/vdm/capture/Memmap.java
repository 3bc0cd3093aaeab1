package vdm.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import vdm.host.MemoryRegion;

/**
 * The firmware memory map as Linux exports it in {@code /sys/firmware/memmap} (drivers/firmware/memmap.c): one
 * directory per entry, named by its index, with {@code start} and {@code end} (inclusive) in hex and {@code type}
 * as Linux names E820 types ("System RAM", "Reserved", ...). Under Xen a dom0 sees the map Xen gave it, not the
 * machine's; capture it from the host's own boot for Xen's view.
 */
final class Memmap {
    private Memmap() {}

    /** The map's entries in address order; an entry overlapping an earlier one, or of a type vdm lacks, goes to {@code notes}. */
    static List<MemoryRegion> read(Path dir, List<String> notes) {
        if (!Files.isDirectory(dir)) {
            notes.add(dir + " does not exist: the host has no memory map (every BAR counts as in a hole)");
            return List.of();
        }
        List<MemoryRegion> all = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path e : entries.filter(Files::isDirectory).sorted().toList()) {
                String type = text(e.resolve("type"));
                try {
                    all.add(new MemoryRegion(hex(e.resolve("start")), hex(e.resolve("end")), MemoryRegion.Type.of(type)));
                } catch (IllegalArgumentException x) {
                    notes.add(e + ": left out: " + x.getMessage());
                }
            }
        } catch (IOException x) {
            throw new CaptureException(dir + ": cannot list: " + x.getMessage(), x);
        }
        all.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
        List<MemoryRegion> out = new ArrayList<>();
        for (MemoryRegion r : all) {
            if (!out.isEmpty() && out.getLast().overlaps(r.start(), r.end())) {
                notes.add(r + " overlaps " + out.getLast() + ": left out (Xen's sanitized e820 would merge them)");
                continue;
            }
            out.add(r);
        }
        return out;
    }

    private static String text(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException x) {
            throw new CaptureException(p + ": cannot read: " + x.getMessage(), x);
        }
    }

    private static long hex(Path p) {
        String s = text(p);
        try {
            return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
        } catch (NumberFormatException x) {
            throw new CaptureException(p + ": '" + s + "' is not a hexadecimal address", x);
        }
    }
}
