package vdm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vdm.qmp.QmpLineClient;

/** {@code vdm qmp ADDRESS}: an interactive QMP client that negotiates for you and pretty-prints what comes back. */
@Command(name = "qmp", mixinStandardHelpOptions = true,
        description = {"Talks QMP to a server (vdm serve, or QEMU).",
                "Prints the greeting, negotiates, then sends each stdin line, raw JSON or 'command key=value ...', and "
                        + "pretty-prints replies and events."})
public final class QmpShellCommand implements java.util.concurrent.Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Object EOF = new Object();

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ADDRESS", description = "socket PATH, unix:PATH or tcp:HOST:PORT")
    String address;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "10",
            description = "how long to wait for outstanding replies once stdin ends (default: ${DEFAULT-VALUE})")
    int waitSeconds;

    private final InputStream stdin;

    QmpShellCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        QmpLineClient client;
        try {
            client = QmpLineClient.connect(address);
        } catch (IllegalArgumentException e) { // a malformed or unresolvable address: a usage error, as in serve
            err.println("vdm qmp: " + e.getMessage());
            return CatalogDevices.USAGE;
        } catch (IOException e) { // nobody serving there: a failure, not a usage error
            err.println("vdm qmp: " + e.getMessage());
            return 1;
        }
        try (client) {
            String greeting = client.readLine(Duration.ofSeconds(10));
            if (greeting == null) {
                err.println("vdm qmp: the server closed the connection without a greeting");
                return 1;
            }
            print(out, greeting);
            if (!greeting.startsWith("{\"QMP\"")) return 1; // e.g. refused: too many connections
            client.send("{\"execute\": \"qmp_capabilities\"}\n");
            String negotiation = client.readLine(Duration.ofSeconds(10));
            if (negotiation == null || !negotiation.startsWith("{\"return\"")) {
                if (negotiation != null) print(out, negotiation);
                err.println("vdm qmp: capabilities negotiation failed");
                return 1;
            }
            return session(client, out, err);
        } catch (IOException e) {
            err.println("vdm qmp: " + e.getMessage());
            return 1;
        }
    }

    /** Stdin is read on its own thread so that the session ends as soon as the server closes (after quit). */
    private int session(QmpLineClient client, PrintWriter out, PrintWriter err) throws IOException {
        BlockingQueue<Object> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofPlatform().daemon().name("vdm-qmp-stdin").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l);
            } catch (IOException e) {
                // end of input
            }
            lines.add(EOF);
        });
        AtomicInteger outstanding = new AtomicInteger();
        int lineNumber = 0;
        boolean stdinOpen = true;
        long deadline = Long.MAX_VALUE;
        int status = 0;
        while (true) {
            // Show whatever the server sent; a null line means it closed the connection.
            String got;
            try {
                got = client.readLine(Duration.ofMillis(stdinOpen ? 20 : 100));
            } catch (java.net.SocketTimeoutException none) {
                got = "";
            }
            if (got == null) {
                out.flush();
                if (outstanding.get() > 0) {
                    err.println("vdm qmp: the server closed the connection");
                }
                break;
            }
            if (!got.isEmpty()) {
                if (got.startsWith("{\"return\"") || got.startsWith("{\"error\"") || got.startsWith("{\"id\"")) {
                    outstanding.decrementAndGet();
                }
                print(out, got);
                continue;
            }
            if (!stdinOpen) {
                if (outstanding.get() <= 0) break;
                if (System.nanoTime() > deadline) {
                    err.println("vdm qmp: " + outstanding.get() + " repl" + (outstanding.get() == 1 ? "y" : "ies")
                            + " still missing after " + waitSeconds + " s");
                    status = 1;
                    break;
                }
                continue;
            }
            Object next;
            try {
                next = lines.poll(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (next == null) continue;
            if (next == EOF) {
                stdinOpen = false;
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
                continue;
            }
            lineNumber++;
            String line = ((String) next).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String json;
            try {
                json = Shorthand.toJson(line);
            } catch (IllegalArgumentException e) {
                err.println("vdm qmp: line " + lineNumber + ": " + e.getMessage());
                status = 1;
                continue;
            }
            outstanding.incrementAndGet();
            client.send(json + "\n");
        }
        reader.interrupt();
        out.flush();
        return status;
    }

    private static void print(PrintWriter out, String line) {
        try {
            JsonNode n = JSON.readTree(line);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (IOException e) {
            out.println(line); // not JSON (QEMU prints "inf" for huge floats): show it as it came
        }
        out.flush();
    }
}
