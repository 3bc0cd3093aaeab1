package vdm.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vdm.pci.Access;
import vdm.pci.ConfigAccessException;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.Effects;
import vdm.pci.engine.Engine;
import vdm.pci.engine.FunctionReactions;
import vdm.pci.layout.Layout;

/**
 * {@code vdm probe DEVICE}: runs configuration accesses read from stdin against a catalog device, one per line:
 * {@code read OFF SIZE} prints {@code 0x%08x}; {@code write OFF SIZE VALUE} prints nothing (or its effects with
 * {@code --effects}). A bad line is reported with its number and the run goes on; the exit code is then 1.
 * <p>
 * A write runs as the host's functions run it: the masks, then what the function does by itself
 * ({@link FunctionReactions#afterWrite}: an FLR request resets it, QEMU's MSI clamp), so a probe reads back what
 * QEMU or the model would.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Runs configuration accesses read from stdin against a catalog device.",
                "One access per line:",
                "  read OFF SIZE          prints the value as 0x%%08x", // picocli formats descriptions: %% is a %
                "  write OFF SIZE VALUE   prints nothing (the effects with --effects); the device reacts",
                "                         as it would on a host (an FLR request resets it, MSI is clamped)",
                "Numbers are hex with 0x or decimal; blank lines and # comments are ignored.",
                "A bad line is reported on stderr with its number; the run goes on and exits 1."})
final class ProbeCommand implements Callable<Integer> {
    private final InputStream in;

    @Spec
    CommandSpec spec;

    @Mixin
    CatalogDeviceOptions catalog;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "COMPILED",
            description = "compiled, reference or table (default: compiled).")
    Engine engine;

    @Option(names = "--effects", description = "After each write, print what it changed (e.g. BAR0|COMMAND_MEMORY, or none).")
    boolean effects;

    ProbeCommand(InputStream in) {
        this.in = in;
    }

    /** A line that cannot run; the message says why. */
    private static final class BadLine extends Exception {
        BadLine(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Layout layout = catalog.layout("probe", err);
        if (layout == null) return CatalogDevices.USAGE;
        ConfigSpace space = engine.create(layout);
        int failed = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            for (int n = 1; (line = reader.readLine()) != null; n++) {
                try {
                    run(space, line, out);
                } catch (BadLine | ConfigAccessException e) {
                    failed++;
                    out.flush(); // keep stdout and stderr in order on a terminal
                    err.println("vdm probe: line " + n + ": " + e.getMessage());
                    err.flush();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stdin", e);
        }
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private void run(ConfigSpace space, String line, PrintWriter out) throws BadLine {
        int hash = line.indexOf('#');
        String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
        if (text.isEmpty()) return;
        String[] t = text.split("\\s+");
        switch (t[0]) {
            case "read" -> {
                expectArguments(t, "read OFF SIZE");
                int size = size(t[2]);
                out.printf("0x%08x%n", space.read(offset(t[1]), size));
                out.flush();
            }
            case "write" -> {
                expectArguments(t, "write OFF SIZE VALUE");
                int offset = offset(t[1]), size = size(t[2]);
                long value = number(t[3], "value");
                if ((value & ~(Access.ones(size) & 0xffffffffL)) != 0) {
                    throw new BadLine(String.format("value 0x%x does not fit %d byte%s", value, size, size == 1 ? "" : "s"));
                }
                // The function's own reactions, as PhysicalFunction.write applies them on a host.
                int changed = FunctionReactions.afterWrite(space, space.write(offset, size, (int) value));
                if (effects) {
                    out.println(Effects.describe(changed));
                    out.flush();
                }
            }
            default -> throw new BadLine("unknown command '" + t[0] + "' (expected read OFF SIZE or write OFF SIZE VALUE)");
        }
    }

    private static void expectArguments(String[] t, String usage) throws BadLine {
        int expected = usage.split(" ").length;
        if (t.length != expected) {
            throw new BadLine("'" + t[0] + "' takes " + (expected - 1) + " arguments (" + usage + "), got " + (t.length - 1));
        }
    }

    private static int offset(String s) throws BadLine {
        long offset = number(s, "offset");
        if (offset >= Access.MAX_CONFIG_SIZE) {
            throw new BadLine(String.format("offset 0x%x is beyond the 4096-byte configuration space (0..0xfff)", offset));
        }
        return (int) offset;
    }

    private static int size(String s) throws BadLine {
        long size = number(s, "size");
        if (size != 1 && size != 2 && size != 4) throw new BadLine("size " + s + " must be 1, 2 or 4");
        return (int) size;
    }

    /**
     * Hex with 0x, or decimal, 0..0xffffffff, in ASCII digits only: Long.parseLong alone would also take a sign
     * ({@code +16}, {@code 0x-0}) and any Unicode digit.
     */
    private static long number(String s, String what) throws BadLine {
        boolean hex = s.startsWith("0x") || s.startsWith("0X");
        String digits = hex ? s.substring(2) : s;
        boolean ascii = !digits.isEmpty() && digits.chars().allMatch(c -> c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'));
        long v = -1;
        try {
            if (ascii) v = Long.parseLong(digits, hex ? 16 : 10);
        } catch (NumberFormatException tooLong) {
            // beyond a long: out of range as well
        }
        if (v < 0 || v > 0xffffffffL) {
            throw new BadLine("'" + s + "' is not a valid " + what + " (hex with 0x, or decimal, 0..0xffffffff)");
        }
        return v;
    }
}
