package vdm.pci.dump;

import vdm.pci.Sbdf;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code lspci} (pciutils) on a dump file. A missing lspci fails the test with a clear message: the
 * dump format's contract is what lspci decodes, so these tests must not pass without it (CI installs pciutils).
 */
final class Lspci {
    private Lspci() {}

    static Path binary() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/sbin:/sbin:/bin").split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, "lspci");
            if (Files.isExecutable(p)) return p;
        }
        return fail("lspci (pciutils) is not installed, and the dump tests need it to decode vdm's dumps: "
                + "apt-get install pciutils");
    }

    /** {@code lspci -F file args...}; fails the test on a non-zero exit, showing stderr. */
    static String decode(Path file, String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "-F", file.toString()));
        cmd.addAll(List.of(args));
        try {
            Path err = Files.createTempFile("lspci", ".err");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("lspci did not finish in 30 s: " + cmd);
            }
            String stderr = Files.readString(err);
            Files.delete(err);
            if (p.exitValue() != 0) fail("lspci exited " + p.exitValue() + " for " + cmd + ":\n" + stderr + "\ndump:\n" + Files.readString(file));
            return out;
        } catch (IOException e) {
            return fail("cannot run " + cmd + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while running lspci");
        }
    }

    /** The block of {@code lspci -vvv} output for one device: its line and the indented lines under it. */
    static String block(String output, Sbdf bdf) {
        StringBuilder b = new StringBuilder();
        boolean in = false;
        for (String line : output.split("\n")) {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) in = line.startsWith(bdf.lspci() + " ");
            if (in) b.append(line).append('\n');
        }
        if (b.isEmpty()) fail("lspci shows no device " + bdf.lspci() + " in:\n" + output);
        return b.toString();
    }
}
