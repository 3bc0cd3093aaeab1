package vdm.qmp;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real qemu-system-x86_64 serving QMP on a Unix socket in a temporary directory, for differential tests. */
final class QemuQmp implements AutoCloseable {
    static final String QEMU = "qemu-system-x86_64";

    final Path socket;
    private final Process process;

    private QemuQmp(Path socket, Process process) {
        this.socket = socket;
        this.process = process;
    }

    /** Whether qemu-system-x86_64 is on PATH (each test decides whether its absence fails or skips it). */
    static boolean installed() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, QEMU))) return true;
        }
        return false;
    }

    /** Starts QEMU with {@code args} plus {@code -qmp unix:...,server=on,wait=off}; returns once its socket exists. */
    static QemuQmp start(String... args) throws IOException {
        Path dir = Files.createTempDirectory("vdm-qemu");
        Path socket = dir.resolve("qemu.sock");
        List<String> cmd = new ArrayList<>(List.of(QEMU));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-qmp", "unix:" + socket + ",server=on,wait=off"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        TestServer.await("QEMU's QMP socket", () -> Files.exists(socket) || !p.isAlive());
        if (!p.isAlive()) throw new IOException("QEMU exited: " + Files.readString(dir.resolve("qemu.log")));
        return new QemuQmp(socket, p);
    }

    Endpoint endpoint() {
        return new Endpoint.Unix(socket);
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
        Files.deleteIfExists(socket.resolveSibling("qemu.log"));
        Files.deleteIfExists(socket.getParent());
    }
}
