package vdm.bench.qmp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Endpoint;
import vdm.qmp.QmpLineClient;
import vdm.qmp.QmpServer;

/**
 * query-version over a Unix socket against an in-process server: one client lock-step (a round trip per command),
 * one client pipelined (64 in flight), 16 clients pipelined, and 16 clients lock-step. Client and server share the
 * machine's cores, so the figures include the client's cost. For scale: QEMU 7.2 answers about 6,000/s to one
 * lock-step client here (QEMU monitor/qmp.c: one request at a time per monitor).
 * Run: flock /tmp/vdm-bench.lock java --sun-misc-unsafe-memory-access=allow -jar benchmarks/target/benchmarks.jar 'vdm.bench.qmp' -prof gc
 */
@State(Scope.Benchmark)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class QmpServerBenchmark {
    static final int BATCH = 64;
    private static final byte[] ONE = "{\"execute\": \"query-version\"}\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MANY = "{\"execute\": \"query-version\"}\n".repeat(BATCH).getBytes(StandardCharsets.US_ASCII);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    Path dir;
    Path socket;
    QmpServer server;

    @Setup(Level.Trial)
    public void startServer() throws IOException {
        dir = Files.createTempDirectory("vdm-bench-qmp");
        socket = dir.resolve("qmp.sock");
        server = QmpServer.start(CommandRegistry.withCoreCommands(), QmpServer.Config.DEFAULTS,
                List.of(new Endpoint.Unix(socket)));
    }

    @TearDown(Level.Trial)
    public void stopServer() throws IOException {
        server.stop().orTimeout(10, TimeUnit.SECONDS).join();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    /** One negotiated connection per benchmark thread. */
    @State(Scope.Thread)
    public static class Client {
        QmpLineClient c;

        @Setup(Level.Trial)
        public void connect(QmpServerBenchmark b) throws IOException {
            c = QmpLineClient.connect(new Endpoint.Unix(b.socket));
            c.readLine(TIMEOUT);
            c.send("{\"execute\": \"qmp_capabilities\"}\n");
            String r = c.readLine(TIMEOUT);
            if (!"{\"return\": {}}".equals(r)) throw new IllegalStateException("negotiation failed: " + r);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            c.close();
        }

        int roundTrip() throws IOException {
            c.send(ONE, TIMEOUT);
            return check(c.skipLines(1, (byte) '{', TIMEOUT), 1);
        }

        int batch() throws IOException {
            c.send(MANY, TIMEOUT);
            return check(c.skipLines(BATCH, (byte) '{', TIMEOUT), BATCH);
        }

        private static int check(int replies, int expected) {
            if (replies != expected) throw new IllegalStateException(replies + " replies of " + expected);
            return replies;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public int oneClientLockStep(Client client) throws IOException {
        return client.roundTrip();
    }

    /** Round-trip latency percentiles (p50, p99, ...) of one lock-step client. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(1)
    public int oneClientLockStepLatency(Client client) throws IOException {
        return client.roundTrip();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    @Threads(1)
    public int oneClientPipelined(Client client) throws IOException {
        return client.batch();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    @Threads(16)
    public int sixteenClientsPipelined(Client client) throws IOException {
        return client.batch();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(16)
    public int sixteenClientsLockStep(Client client) throws IOException {
        return client.roundTrip();
    }

    /** Round-trip latency percentiles with 16 lock-step clients contending for the same two cores. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(16)
    public int sixteenClientsLockStepLatency(Client client) throws IOException {
        return client.roundTrip();
    }
}
