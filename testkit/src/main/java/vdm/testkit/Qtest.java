package vdm.testkit;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client of QEMU's qtest protocol: a real {@code qemu-system-x86_64} started paused ({@code -S}, so no firmware
 * reprograms devices) with {@code -qtest stdio}, driven line by line. Used as a differential oracle by tests.
 *
 * <p>Commands are QEMU's qtest verbs ({@code outl}, {@code inl}, {@code readl}, {@code writel}, {@code set_irq_in}...);
 * every reply starts with {@code OK} or {@code FAIL}. Asynchronous {@code IRQ} lines are collected separately.
 */
public final class Qtest implements AutoCloseable {
    public static final String BINARY = "qemu-system-x86_64";

    private final Process process;
    private final BufferedReader out;
    private final BufferedWriter in;
    private final List<String> irqEvents = new ArrayList<>();

    private Qtest(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII));
    }

    /** Where QEMU is, or null when it is not installed (CI installs Debian's qemu-system-x86). */
    public static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, BINARY);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /**
     * Where QEMU is; an {@link IllegalStateException} saying how to install it when it is not on PATH: the
     * differential tests must not silently pass.
     */
    public static Path requireBinary() {
        Path bin = binary();
        if (bin == null) {
            throw new IllegalStateException(BINARY + " is not on PATH: install Debian's qemu-system-x86 "
                    + "(apt-get install --no-install-recommends qemu-system-x86 ipxe-qemu); .ci/run does this");
        }
        return bin;
    }

    /**
     * Starts {@code qemu-system-x86_64 -machine MACHINE -accel tcg -S -qtest stdio} with the extra arguments
     * (devices). Fails with a clear message when QEMU is missing (see {@link #requireBinary()}).
     */
    public static Qtest start(String machine, String... extraArgs) throws IOException {
        Path bin = requireBinary();
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "-machine", machine, "-accel", "tcg", "-S",
                "-qtest", "stdio", "-qtest-log", "/dev/null", "-display", "none", "-nodefaults", "-m", "64"));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        Qtest q = new Qtest(pb.start());
        try {
            q.command("endianness"); // a first round trip proves QEMU started and speaks qtest
        } catch (IllegalStateException e) {
            q.close();
            throw new IOException("QEMU did not start: " + String.join(" ", cmd), e);
        }
        return q;
    }

    /** Sends one qtest command and returns the reply line (without IRQ notifications). */
    public synchronized String command(String line) {
        try {
            in.write(line);
            in.write('\n');
            in.flush();
            while (true) {
                String r = out.readLine();
                if (r == null) throw new IllegalStateException("QEMU closed the qtest stream after: " + line);
                if (r.startsWith("IRQ ")) {
                    irqEvents.add(r);
                    continue;
                }
                if (r.startsWith("FAIL")) throw new IllegalStateException("qtest '" + line + "' failed: " + r);
                if (r.startsWith("OK")) return r;
                // anything else (a stray banner) is skipped
            }
        } catch (IOException e) {
            throw new IllegalStateException("qtest I/O failed at '" + line + "'", e);
        }
    }

    private long value(String reply) {
        String[] parts = reply.split(" ");
        return Long.parseUnsignedLong(parts[1].substring(2), 16);
    }

    public void outb(int port, int v) { command(String.format("outb 0x%x 0x%x", port, v & 0xff)); }
    public void outw(int port, int v) { command(String.format("outw 0x%x 0x%x", port, v & 0xffff)); }
    public void outl(int port, int v) { command(String.format("outl 0x%x 0x%x", port, v)); }
    public int inb(int port) { return (int) value(command(String.format("inb 0x%x", port))); }
    public int inw(int port) { return (int) value(command(String.format("inw 0x%x", port))); }
    public int inl(int port) { return (int) value(command(String.format("inl 0x%x", port))); }
    public int readb(long addr) { return (int) value(command(String.format("readb 0x%x", addr))); }
    public int readw(long addr) { return (int) value(command(String.format("readw 0x%x", addr))); }
    public int readl(long addr) { return (int) value(command(String.format("readl 0x%x", addr))); }
    public void writeb(long addr, int v) { command(String.format("writeb 0x%x 0x%x", addr, v & 0xff)); }
    public void writew(long addr, int v) { command(String.format("writew 0x%x 0x%x", addr, v & 0xffff)); }
    public void writel(long addr, int v) { command(String.format("writel 0x%x 0x%x", addr, v & 0xffffffffL)); }

    /** {@code set_irq_in QOM-PATH NAME NUM LEVEL}: drives a named GPIO input of a device. */
    public void setIrqIn(String qomPath, String name, int num, int level) {
        command("set_irq_in " + qomPath + " " + name + " " + num + " " + level);
    }

    /** {@code irq_intercept_in QOM-PATH}: afterwards QEMU reports that device's outputs as IRQ lines. */
    public void irqInterceptOut(String qomPath) { command("irq_intercept_out " + qomPath); }

    public synchronized List<String> drainIrqEvents() {
        List<String> copy = List.copyOf(irqEvents);
        irqEvents.clear();
        return copy;
    }

    // --- PCI configuration through the CF8/CFC mechanism (bus 0), as firmware would do it.

    private static int cf8(int dev, int fn, int offset) {
        return 0x8000_0000 | (dev << 11) | (fn << 8) | (offset & 0xfc);
    }

    /** Reads {@code size} bytes of bus 0 device {@code dev} function {@code fn}'s config space (offset < 256). */
    public int pciRead(int dev, int fn, int offset, int size) {
        outl(0xcf8, cf8(dev, fn, offset));
        int port = 0xcfc + (offset & 3);
        return switch (size) {
            case 1 -> inb(port);
            case 2 -> inw(port);
            case 4 -> inl(port);
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    public void pciWrite(int dev, int fn, int offset, int size, int value) {
        outl(0xcf8, cf8(dev, fn, offset));
        int port = 0xcfc + (offset & 3);
        switch (size) {
            case 1 -> outb(port, value);
            case 2 -> outw(port, value);
            case 4 -> outl(port, value);
            default -> throw new IllegalArgumentException("size " + size);
        }
    }

    /** q35 only: turns on ECAM (PCIEXBAR at MCH config 0x60) at {@code base}, 256 buses, so offsets up to 4095 work. */
    public void enableEcam(long base) {
        pciWrite(0, 0, 0x64, 4, (int) (base >>> 32));
        pciWrite(0, 0, 0x60, 4, (int) base | 1);
    }

    public static long ecam(long base, int bus, int dev, int fn, int offset) {
        return base + ((long) bus << 20) + ((long) dev << 15) + ((long) fn << 12) + offset;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // QEMU may already have gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
