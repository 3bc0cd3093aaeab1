package vdm.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import vdm.host.Window;
import vdm.pci.Sbdf;

/**
 * One PCI function as Linux's sysfs shows it ({@code /sys/bus/pci/devices/SSSS:BB:DD.F}): its {@code config} file
 * (256 or 4096 bytes to root; 64 to anyone else, which is refused: the capabilities would be missing) and its
 * {@code resource} file, one "start end flags" line per resource (Linux {@code resource_show}): BAR0..BAR5 and the
 * ROM first, then, for a bridge, its four bridge windows as the last four lines (I/O, memory, prefetchable memory,
 * unused). A bridge has {@code PCI_NUM_RESOURCES} lines, 17 with {@code CONFIG_PCI_IOV} (windows at lines 13..15,
 * counted from 0) and 11 without; counting from the end reads both.
 */
record SysfsFunction(Sbdf sbdf, byte[] config, long[] sizes, Window io, Window memory, Window prefetchable) {
    /** A resource line: start, end (inclusive), Linux's IORESOURCE flags. */
    record Resource(long start, long end, long flags) {
        long size() {
            return start == 0 && end == 0 ? 0 : end - start + 1;
        }

        Window window() {
            return size() == 0 ? null : new Window(start, end);
        }
    }

    int headerType() {
        return config[0x0e] & 0x7f;
    }

    int interruptPin() {
        return config[0x3d] & 0xff;
    }

    int secondaryBus() {
        return config[0x19] & 0xff;
    }

    int subordinateBus() {
        return config[0x1a] & 0xff;
    }

    /** Every function under {@code dir}, in SBDF order. */
    static List<SysfsFunction> readAll(Path dir) {
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted().toList();
        } catch (IOException e) {
            throw new CaptureException(dir + ": cannot list: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        List<SysfsFunction> out = new ArrayList<>();
        for (Path p : entries) {
            Sbdf sbdf;
            try {
                sbdf = Sbdf.parse(p.getFileName().toString());
            } catch (IllegalArgumentException e) {
                continue; // not a function directory
            }
            out.add(read(p, sbdf));
        }
        out.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        return out;
    }

    static SysfsFunction read(Path dir, Sbdf sbdf) {
        Path cfgFile = dir.resolve("config");
        byte[] config = AcpiTable.readFile(cfgFile);
        if (config.length == 64) {
            throw new CaptureException(cfgFile + ": 64 bytes: only root reads a function's whole configuration space "
                    + "(capabilities and extended capabilities would be missing); run as root");
        }
        if (config.length != 256 && config.length != 4096) {
            throw new CaptureException(cfgFile + ": " + config.length + " bytes; a configuration space has 256 or 4096");
        }
        List<Resource> res = resources(dir.resolve("resource"));
        long[] sizes = new long[7];
        for (int i = 0; i < 7 && i < res.size(); i++) sizes[i] = res.get(i).size();
        Window io = null, mem = null, pref = null;
        if ((config[0x0e] & 0x7f) == 1) {
            if (res.size() < 11) {
                throw new CaptureException(dir.resolve("resource") + ": a bridge's resource file has " + res.size()
                        + " lines; expected 11 or 17 (BARs, ROM, then the 4 bridge windows)");
            }
            int w = res.size() - 4;
            io = res.get(w).window();
            mem = res.get(w + 1).window();
            pref = res.get(w + 2).window();
        }
        return new SysfsFunction(sbdf, config, sizes, io, mem, pref);
    }

    static List<Resource> resources(Path file) {
        String text = new String(AcpiTable.readFile(file), java.nio.charset.StandardCharsets.US_ASCII);
        List<Resource> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            String[] f = lines[i].strip().split("\\s+");
            if (f.length != 3) throw new CaptureException(file + " line " + (i + 1) + ": expected 'start end flags', got '" + lines[i] + "'");
            long start = hex(file, i, f[0]), end = hex(file, i, f[1]);
            if ((start != 0 || end != 0) && Long.compareUnsigned(end, start) < 0) {
                throw new CaptureException(file + " line " + (i + 1) + ": end " + f[1] + " is below start " + f[0]);
            }
            out.add(new Resource(start, end, hex(file, i, f[2])));
        }
        if (out.size() < 7) throw new CaptureException(file + ": " + out.size() + " lines; expected at least 7 (BAR0..BAR5, ROM)");
        return out;
    }

    private static long hex(Path file, int line, String s) {
        try {
            return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
        } catch (NumberFormatException e) {
            throw new CaptureException(file + " line " + (line + 1) + ": '" + s + "' is not a hexadecimal number");
        }
    }
}
