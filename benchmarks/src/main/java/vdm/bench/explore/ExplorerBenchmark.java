package vdm.bench.explore;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
import vdm.explore.OpKind;
import vdm.host.DefaultHost;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.system.Machine;

/**
 * The ordering explorer's speed on 1 and 2 threads. {@code nic-standard}: the standard operations on the default
 * host's NIC under broken to depth 8 (every state they reach, 166 of them); {@code wide-all}: every operation on the
 * wide host's second function behind its root port under broken to depth 7 (about 16 000 distinct states), the
 * largest search one device gives. JMH's score is the time of one search, model builds and the findings' replays
 * included; the teardown prints the explorer's own figures: states explored per second (an operation applied to a
 * state re-derived in memory, the invariants checked, the state captured and hashed) and the memory per stored state
 * (the seen set's fingerprints and the compact search tree, over the distinct states).
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
    @Param({"nic-standard", "wide-all"})
    public String setting;

    @Param({"1", "2"})
    public int threads;

    private long states, nanos, distinct, searches;
    private double bytesPerState;

    @Benchmark
    public int explore() {
        boolean wide = setting.equals("wide-all");
        Supplier<Machine.Builder> model = wide ? () -> Vdm.host(WideHost.description()).preset(Preset.BROKEN)
                : () -> Vdm.defaultHost().preset(Preset.BROKEN);
        Sbdf device = wide ? WideHost.SECOND_FUNCTION : DefaultHost.NIC;
        // Every kind but dom0-intx (added with the search over several devices): the 31 operations the README's figures are of.
        List<Op> ops = wide ? java.util.Arrays.stream(Op.values()).filter(o -> o.kind() != OpKind.DOM0_INTX).toList() : Op.STANDARD;
        Explorer.Result r = new Explorer(model, device, ops).explore(Explorer.Options.depth(wide ? 7 : 8).threads(threads));
        states += r.statesExplored();
        nanos += r.nanos();
        distinct = r.distinctStates();
        bytesPerState = r.bytesPerStoredState();
        searches++;
        return r.findings().size();
    }

    @TearDown
    public void report() {
        System.out.printf("%n%s on %d threads: %.0f states/s (%d states, %d distinct per search, %d searches); %.0f B per stored state%n",
                setting, threads, states * 1e9 / nanos, states / Math.max(1, searches), distinct, searches, bytesPerState);
    }
}
