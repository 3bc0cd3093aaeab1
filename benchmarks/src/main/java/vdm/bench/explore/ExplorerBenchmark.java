package vdm.bench.explore;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import vdm.Vdm;
import vdm.explore.Explorer;
import vdm.explore.Op;
import vdm.host.DefaultHost;
import vdm.model.Preset;

/**
 * The ordering explorer's speed on one thread: a whole search with the standard operations on the NIC, per preset and
 * depth (depth 8 reaches every state the standard operations can reach from boot). JMH's score is the time of one
 * search, model build and the findings' replays included; the teardown prints the explorer's own figure, states
 * explored per second (an operation applied to a state forked in memory, the invariants checked, the state captured
 * and hashed), and the memory per stored state (seen-set fingerprints plus the largest frontier of captured states,
 * over the distinct states).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ExplorerBenchmark</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class ExplorerBenchmark {
    @Param({"broken", "upstream"})
    public String preset;

    @Param({"3", "8"})
    public int depth;

    private long states, nanos, distinct, searches;
    private double bytesPerState;

    @Benchmark
    public int explore() {
        Preset p = Preset.of(preset);
        Explorer.Result r = new Explorer(() -> Vdm.defaultHost().preset(p), DefaultHost.NIC, Op.STANDARD).explore(depth);
        states += r.statesExplored();
        nanos += r.nanos();
        distinct = r.distinctStates();
        bytesPerState = r.bytesPerStoredState();
        searches++;
        return r.findings().size();
    }

    @TearDown
    public void report() {
        System.out.printf("%n%s depth %d: %.0f states/s (%d states, %d distinct per search, %d searches); %.0f B per stored state%n",
                preset, depth, states * 1e9 / nanos, states / Math.max(1, searches), distinct, searches, bytesPerState);
    }
}
