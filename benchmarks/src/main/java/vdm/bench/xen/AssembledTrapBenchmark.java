package vdm.bench.xen;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import vdm.Vdm;
import vdm.dom0.Dom0Kernel;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;

/**
 * dom0's trapped config reads on the assembled model of the wide host (not a test bus): the kernel's config access
 * (PciConfigAccess) trapping into Xen, the per-segment vPCI lookup, vPCI dispatch and the host's bus, for a device on
 * segment 0 behind a root port and for one on segment 1. Both must allocate nothing.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar AssembledTrapBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class AssembledTrapBenchmark {
    private Dom0Kernel kernel;
    private final Sbdf behindRootPort = WideHost.SECOND_FUNCTION, segment1 = WideHost.SEGMENT1_NIC;

    @Setup(Level.Trial)
    public void setUp() {
        kernel = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build().kernel();
    }

    /** BAR0 of 0000:01:00.1: a trapped register (bar_write's) read through vPCI. */
    @Benchmark
    public int segment0TrappedBarRead() {
        return kernel.cfgRead(behindRootPort, 0x10, 4);
    }

    /** BAR0 of 0001:00:02.0: the same on PCI segment 1. */
    @Benchmark
    public int segment1TrappedBarRead() {
        return kernel.cfgRead(segment1, 0x10, 4);
    }

    /** The class code of 0001:00:02.0: an untrapped dword, straight to the hardware. */
    @Benchmark
    public int segment1UntrappedRead() {
        return kernel.cfgRead(segment1, 0x08, 4);
    }
}
