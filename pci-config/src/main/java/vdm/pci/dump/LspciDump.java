package vdm.pci.dump;

import vdm.pci.Sbdf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import vdm.pci.engine.ConfigSpace;

/**
 * The text format of {@code lspci -x} (64 bytes), {@code -xxx} (256) and {@code -xxxx} (4096): a device line
 * {@code BB:DD.F description}, then lines {@code OO: xx xx ...} of 16 lower-case hex bytes, the offset printed with
 * at least two hex digits (three from 0x100), and a blank line after each device. {@code lspci -F FILE} decodes it.
 * <p>
 * The parser accepts what lspci writes, several devices in one file and the indented decoding lines of
 * {@code lspci -v -x} (ignored); anything else is an error naming the line.
 */
public final class LspciDump {
    /** The sizes a configuration space dump may have: header only, conventional, PCI Express. */
    public static final List<Integer> LENGTHS = List.of(64, 256, 4096);

    private static final Pattern DEVICE_LINE = Pattern.compile("(" + Sbdf.pattern().pattern() + ")(?:\\s+(.*))?");
    private static final Pattern DATA_LINE = Pattern.compile("([0-9a-fA-F]{2,8}):(.*)");
    private static final Pattern BYTE = Pattern.compile("[0-9a-fA-F]{2}");

    private LspciDump() {}

    /** The whole current configuration space of {@code space}, as {@code lspci -xxx} (256) or {@code -xxxx} (4096). */
    public static String format(Sbdf bdf, ConfigSpace space) {
        return format(bdf, space.bytes());
    }

    /** The first {@code length} bytes (64, 256 or 4096; at most what the space has), as lspci prints them. */
    public static String format(Sbdf bdf, ConfigSpace space, int length) {
        byte[] all = space.bytes();
        checkLength(length);
        byte[] part = new byte[Math.min(length, all.length)];
        System.arraycopy(all, 0, part, 0, part.length);
        return format(bdf, part);
    }

    /** A device block: device line, hex lines, blank line. {@code config} must be 64, 256 or 4096 bytes. */
    public static String format(Sbdf bdf, byte[] config) {
        checkLength(config.length);
        StringBuilder out = new StringBuilder(config.length * 3 + config.length / 16 * 6 + 80);
        out.append(bdf.lspci()).append(' ').append(describe(config)).append('\n');
        for (int i = 0; i < config.length; i++) {
            if ((i & 15) == 0) out.append(String.format("%02x:", i));
            out.append(' ').append(Character.forDigit((config[i] >> 4) & 0xf, 16)).append(Character.forDigit(config[i] & 0xf, 16));
            if ((i & 15) == 15) out.append('\n');
        }
        return out.append('\n').toString();
    }

    private static void checkLength(int length) {
        if (!LENGTHS.contains(length)) {
            throw new IllegalArgumentException("a configuration space dump is 64, 256 or 4096 bytes, not " + length);
        }
    }

    /**
     * What lspci prints after the address when it has no name database entry, e.g.
     * {@code Ethernet controller: Device 8086:100e (rev 03)}.
     */
    public static String describe(byte[] config) {
        if (config.length < 12) throw new IllegalArgumentException("a configuration space of " + config.length + " bytes has no class code");
        int vendor = u16(config, 0), device = u16(config, 2);
        int revision = config[8] & 0xff;
        String name = PciClassNames.of(u16(config, 10));
        return String.format("%s: Device %04x:%04x", name, vendor, device) + (revision != 0 ? String.format(" (rev %02x)", revision) : "");
    }

    /** Reads every function of a dump file. */
    public static List<DumpedFunction> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dump " + file + ": " + e.getMessage(), e);
        }
    }

    /** The function at {@code bdf} in a dump text; the error lists the addresses the dump has. */
    public static DumpedFunction parse(String text, Sbdf bdf) {
        return select(parse(text), bdf);
    }

    public static DumpedFunction select(List<DumpedFunction> functions, Sbdf bdf) {
        for (DumpedFunction f : functions) if (f.bdf().equals(bdf)) return f;
        List<String> present = functions.stream().map(f -> f.bdf().lspci()).toList();
        throw new DumpFormatException("no device " + bdf.lspci() + " in the dump; it has " + String.join(", ", present));
    }

    /** Parses every function of a dump text, in file order. */
    public static List<DumpedFunction> parse(String text) {
        List<DumpedFunction> out = new ArrayList<>();
        Map<Sbdf, Integer> seen = new LinkedHashMap<>();
        Pending current = null;
        String[] lines = text.split("\n", -1);
        for (int n = 1; n <= lines.length; n++) {
            String line = lines[n - 1];
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.isBlank()) {
                if (current != null) out.add(current.finish());
                current = null;
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) continue; // lspci -v decoding under a device line
            Matcher device = DEVICE_LINE.matcher(line);
            if (device.matches()) {
                if (current != null) out.add(current.finish());
                Sbdf bdf;
                try {
                    bdf = Sbdf.parse(device.group(1));
                } catch (IllegalArgumentException e) {
                    throw new DumpFormatException(n, e.getMessage());
                }
                Integer earlier = seen.putIfAbsent(bdf, n);
                if (earlier != null) throw new DumpFormatException(n, "device " + bdf.lspci() + " already appeared on line " + earlier);
                String description = device.group(device.groupCount()) == null ? "" : device.group(device.groupCount()).strip();
                current = new Pending(bdf, description, n);
                continue;
            }
            Matcher data = DATA_LINE.matcher(line);
            if (data.matches()) {
                if (current == null) {
                    throw new DumpFormatException(n, "data line outside a device: a device line (BB:DD.F description) "
                            + "must come first, with no blank line between");
                }
                current.add(n, Integer.parseInt(data.group(1), 16), data.group(2));
                continue;
            }
            throw new DumpFormatException(n, "neither a device line (BB:DD.F description) nor a data line "
                    + "(OO: xx xx ...): '" + abbreviate(line) + "'");
        }
        if (current != null) out.add(current.finish());
        if (out.isEmpty()) throw new DumpFormatException("no device line (BB:DD.F description) in the dump");
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    /** A device whose data lines are still being read. */
    private static final class Pending {
        final Sbdf bdf;
        final String description;
        final int line;
        final byte[] data = new byte[4096];
        final int[] lineOf = new int[4096]; // the line that gave each byte, 0 = none yet
        int end;

        Pending(Sbdf bdf, String description, int line) {
            this.bdf = bdf;
            this.description = description;
            this.line = line;
        }

        void add(int n, int offset, String rest) {
            if (!rest.startsWith(" ")) throw new DumpFormatException(n, "expected a space after the offset");
            String[] tokens = rest.strip().split("\\s+");
            if (tokens.length == 1 && tokens[0].isEmpty()) throw new DumpFormatException(n, "data line has no bytes");
            for (int i = 0; i < tokens.length; i++) {
                if (!BYTE.matcher(tokens[i]).matches()) {
                    throw new DumpFormatException(n, String.format("'%s' at offset 0x%x is not a byte (two hex digits)",
                            abbreviate(tokens[i]), offset + i));
                }
            }
            if (offset + tokens.length > 4096) {
                throw new DumpFormatException(n, String.format("bytes from 0x%x to 0x%x go beyond the 4096-byte "
                        + "configuration space", offset, offset + tokens.length - 1));
            }
            for (int i = 0; i < tokens.length; i++) {
                int at = offset + i;
                if (lineOf[at] != 0) {
                    throw new DumpFormatException(n, String.format("offset 0x%x of %s was already given on line %d", at, bdf.lspci(), lineOf[at]));
                }
                lineOf[at] = n;
                data[at] = (byte) Integer.parseInt(tokens[i], 16);
            }
            end = Math.max(end, offset + tokens.length);
        }

        DumpedFunction finish() {
            if (end == 0) {
                throw new DumpFormatException(line, "device " + bdf.lspci() + " has no data lines (dump with lspci -x, -xxx or -xxxx)");
            }
            for (int i = 0; i < end; i++) {
                if (lineOf[i] == 0) {
                    throw new DumpFormatException(line, String.format("device %s: byte 0x%x is missing (the dump gives "
                            + "bytes up to 0x%x)", bdf.lspci(), i, end - 1));
                }
            }
            if (!LENGTHS.contains(end)) {
                throw new DumpFormatException(line, String.format("device %s has %d bytes; a configuration space dump "
                        + "has 64, 256 or 4096", bdf.lspci(), end));
            }
            byte[] bytes = new byte[end];
            System.arraycopy(data, 0, bytes, 0, end);
            return new DumpedFunction(bdf, description, bytes, line);
        }
    }
}
