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
 * The ordering explorer's speed: a whole search of depth 3 with the standard operations under a preset, one search
 * per operation; the teardown prints states explored per second (each state is a model replayed from boot, since the
 * model has no snapshot yet) and the memory the seen-state set holds per state.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ExplorerBenchmark</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class ExplorerBenchmark {
    @Param({"broken", "upstream"})
    public String preset;

    private long states, nanos, distinct;

    @Benchmark
    public int explore() {
        Preset p = Preset.of(preset);
        Explorer.Result r = new Explorer(() -> Vdm.defaultHost().preset(p).invariants(false).tracing(true).build(),
                DefaultHost.NIC, Op.STANDARD).explore(3);
        states += r.statesExplored();
        nanos += r.nanos();
        distinct = r.distinctStates();
        return r.findings().size();
    }

    @TearDown
    public void report() {
        // A seen state is a 32-character hex digest in a HashSet: about 40 B of chars, 24 B String, 32 B node.
        System.out.printf("%n%s: %.0f states/s (%d states, %d distinct per search); about 100 B per stored state%n",
                preset, states * 1e9 / nanos, states, distinct);
    }
}
