package vdm.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of the QEMU a differential test runs, checked against the series the test was written against. Those
 * tests compare vdm with what one QEMU series answers (config bytes, IO-APIC reads, QMP error texts); another
 * series may answer otherwise for reasons of its own, and the test must then say so rather than report a vdm bug.
 *
 * <pre>
 *   QemuVersion.requireInstalled(QemuVersion.BOOKWORM);   // in a @BeforeAll, before QEMU starts
 * </pre>
 *
 * @param major  QEMU's major version
 * @param minor  its minor version
 * @param micro  its micro (stable) version
 * @param source where the version was read, for messages ({@code qemu-system-x86_64 --version} and its path)
 */
public record QemuVersion(int major, int minor, int micro, String source) {
    /** Debian bookworm's {@code qemu-system-x86} (7.2 with Debian's stable updates): what the tests were written against. */
    public static final String BOOKWORM = "7.2";

    /** "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)": the first line of {@code --version}. */
    private static final Pattern BANNER = Pattern.compile("QEMU emulator version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final Pattern SERIES = Pattern.compile("(\\d+)\\.(\\d+)");

    private static QemuVersion installed;

    /**
     * Reads the version from {@code qemu-system-x86_64 --version}'s output; an {@link IllegalStateException} naming
     * the output when it has no version in QEMU's form.
     */
    public static QemuVersion parse(String versionOutput, String source) {
        Matcher m = BANNER.matcher(versionOutput);
        if (!m.find()) {
            throw new IllegalStateException("no QEMU version in the output of " + source + ": '"
                    + versionOutput.strip() + "' (expected 'QEMU emulator version MAJOR.MINOR.MICRO')");
        }
        int micro = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return new QemuVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), micro, source);
    }

    /** The version of the QEMU on PATH (the one {@link Qtest} starts), asked once per JVM. */
    public static synchronized QemuVersion installed() {
        if (installed == null) {
            Path bin = Qtest.requireBinary();
            String source = bin + " --version";
            String output;
            try {
                Process p = new ProcessBuilder(bin.toString(), "--version").redirectErrorStream(true).start();
                p.getOutputStream().close();
                try (InputStream in = p.getInputStream()) {
                    output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(source + " did not exit within 30 s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(source + " exited with " + p.exitValue() + ": " + output.strip());
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + source + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + source, e);
            }
            installed = parse(output, source);
        }
        return installed;
    }

    /**
     * Checks that this is a version of {@code series} ("MAJOR.MINOR"; any micro version, as Debian's stable updates
     * move only that). An {@link AssertionError} naming both versions otherwise.
     */
    public QemuVersion require(String series) {
        Matcher m = SERIES.matcher(series);
        if (!m.matches()) throw new IllegalArgumentException("a QEMU series is MAJOR.MINOR, not '" + series + "'");
        if (Integer.parseInt(m.group(1)) != major || Integer.parseInt(m.group(2)) != minor) {
            throw new AssertionError("written against QEMU " + series + ".x, found " + this
                    + ": re-check the expected bytes (" + source + ")");
        }
        return this;
    }

    /**
     * The installed QEMU checked against {@code series}, and said on stdout: the version the test ran against.
     * Fails as {@link #installed()} and {@link #require(String)} do.
     */
    public static QemuVersion requireInstalled(String series) {
        QemuVersion v = installed().require(series);
        System.out.println("[qemu] " + v + " (" + v.source + "), the " + series + " series the test was written against");
        return v;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + micro;
    }
}
