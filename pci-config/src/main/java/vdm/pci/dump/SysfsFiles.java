package vdm.pci.dump;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Linux sysfs views of a PCI function ({@code /sys/bus/pci/devices/DDDD:BB:DD.F/}): the binary {@code config} file
 * and the {@code resource} file, which gives what a dump cannot: the sizes of the BARs and the ROM.
 */
public final class SysfsFiles {
    private SysfsFiles() {}

    /**
     * The bytes of a binary {@code config} file: 64 (what an unprivileged reader gets), 256 or 4096 bytes.
     * Any other length is an error naming it.
     */
    public static byte[] config(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!LspciDump.LENGTHS.contains(bytes.length)) {
            throw new DumpFormatException(file + " has " + bytes.length + " bytes; a configuration space has 64, 256 or 4096");
        }
        return bytes;
    }

    /**
     * Sizes from a {@code resource} file: lines {@code start end flags} (hex); entries 0..5 are the BARs, 6 the ROM.
     * An unused entry reads {@code 0 0 0} and gives size 0; the upper half of a 64-bit BAR too.
     * @return 7 sizes in bytes (BAR0..BAR5, ROM)
     */
    public static long[] resourceSizes(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        long[] sizes = new long[7];
        for (int i = 0; i < Math.min(7, lines.size()); i++) {
            String[] f = lines.get(i).strip().split("\\s+");
            if (f.length != 3) throw new DumpFormatException(i + 1, file + ": expected 'start end flags', got '" + lines.get(i) + "'");
            long start = hex(file, i + 1, f[0]), end = hex(file, i + 1, f[1]);
            if (end != 0 || start != 0) {
                if (end < start) throw new DumpFormatException(i + 1, file + ": end " + f[1] + " is below start " + f[0]);
                sizes[i] = end - start + 1;
            }
        }
        return sizes;
    }

    private static long hex(Path file, int line, String s) {
        try {
            return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
        } catch (NumberFormatException e) {
            throw new DumpFormatException(line, file + ": '" + s + "' is not a hex number");
        }
    }
}
