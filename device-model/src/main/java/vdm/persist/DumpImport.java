package vdm.persist;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import vdm.host.FunctionSource;
import vdm.host.HostDescriptionException;
import vdm.pci.Sbdf;
import vdm.pci.dump.DumpedFunction;
import vdm.pci.dump.LspciDump;
import vdm.pci.dump.SysfsFiles;
import vdm.persist.HostJsonSchema.ImportJson;

/**
 * A function's {@code "import"} member: its config space taken from an {@code lspci -xxx}/{@code -xxxx} text (one of
 * the functions it holds) or a binary sysfs {@code config} file, found relative to the description's directory. A
 * dump shows BAR addresses but not sizes (sizing writes the BAR), so the sizes come from the member.
 */
final class DumpImport {
    private final Path baseDir;

    /** For an embedded description: no file is read. */
    static final DumpImport NO_FILES = new DumpImport(null);

    DumpImport(Path baseDir) {
        this.baseDir = baseDir;
    }

    FunctionSource.Dump source(ImportJson d, String p) {
        if (d.config() != null) return inline(d, p);
        String fileName = HostJsonMapping.req(d.file(), p + ".file");
        if (baseDir == null) throw new HostDescriptionException(p + ".file", "an embedded host imports no file; give the bytes inline ('config')");
        Path file = baseDir.resolve(fileName);
        String format = d.format() == null ? "lspci" : d.format();
        byte[] config;
        try {
            config = switch (format) {
                case "lspci" -> lspci(LspciDump.read(file), d.function(), fileName, p);
                case "sysfs" -> SysfsFiles.config(file);
                default -> throw new HostDescriptionException(p + ".format", "'" + format + "' is not lspci or sysfs");
            };
        } catch (UncheckedIOException e) {
            throw new HostDescriptionException(p + ".file", e.getMessage(), e);
        }
        String origin = fileName + (d.function() != null ? " " + d.function() : "");
        return new FunctionSource.Dump(d.name(), config, barSizes(d.bars(), p), HostJsonMapping.opt(d.rom(), 0L), origin);
    }

    /**
     * An import whose {@code config} holds the bytes: strings of hex digit pairs (whitespace ignored), concatenated;
     * 256 or 4096 bytes, as a sysfs {@code config} file has them.
     */
    private static FunctionSource.Dump inline(ImportJson d, String p) {
        if (d.file() != null || d.format() != null || d.function() != null) {
            throw new HostDescriptionException(p, "'config' gives the bytes inline; 'file', 'format' and 'function' cannot go with it");
        }
        StringBuilder hex = new StringBuilder();
        for (int k = 0; k < d.config().size(); k++) {
            String line = HostJsonMapping.req(d.config().get(k), p + ".config[" + k + "]").replaceAll("\\s+", "");
            if (!line.matches("[0-9a-fA-F]*") || line.length() % 2 != 0) {
                throw new HostDescriptionException(p + ".config[" + k + "]", "must be hex digit pairs (bytes), e.g. \"8680100e\"");
            }
            hex.append(line);
        }
        byte[] config = HexFormat.of().parseHex(hex);
        if (config.length != 256 && config.length != 4096) {
            throw new HostDescriptionException(p + ".config", config.length + " bytes; a configuration space has 256 or 4096");
        }
        return new FunctionSource.Dump(d.name(), config, barSizes(d.bars(), p), HostJsonMapping.opt(d.rom(), 0L), "inline config");
    }

    /** The named function of an lspci file, or its only one. */
    private static byte[] lspci(List<DumpedFunction> all, String function, String fileName, String p) {
        if (function != null) return LspciDump.select(all, Sbdf.parse(function)).bytes();
        if (all.size() == 1) return all.getFirst().bytes();
        throw new HostDescriptionException(p + ".function", "is missing and " + fileName + " holds "
                + all.size() + " functions: " + all.stream().map(f -> f.bdf().toString()).collect(Collectors.joining(", ")));
    }

    private static Map<Integer, Long> barSizes(Map<String, Long> bars, String p) {
        Map<Integer, Long> sizes = new TreeMap<>();
        if (bars == null) return sizes;
        for (Map.Entry<String, Long> e : bars.entrySet()) {
            String bp = p + ".bars." + e.getKey();
            int index;
            try {
                index = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw new HostDescriptionException(bp, "the key must be a BAR index 0..5");
            }
            sizes.put(index, HostJsonMapping.req(e.getValue(), bp));
        }
        return sizes;
    }
}
