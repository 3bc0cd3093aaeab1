package vdm.bench.system;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import vdm.Vdm;
import vdm.dom0.Dom0Kernel;
import vdm.model.Preset;
import vdm.pci.Sbdf;

/**
 * dom0's trapped BAR0 read on an assembled model of 1 to 10,000 endpoints of mixed layouts ({@link ManyDevicesHost}),
 * with 1 to 1,000 guests each holding one of them: the read goes to the next device in turn (a stride through all of
 * them, so the lookup and the config spaces are not all in cache) or always to one device in the middle; the second
 * must stay flat in both counts, the first shows what the cache costs. The heap per
 * device and per domain is {@code HeapPerDevice}'s, run by {@code scripts/bench-suite.sh}.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ScaleBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "-Xmx4g"})
@State(Scope.Thread)
public class ScaleBenchmark {
    @Param({"1", "100", "10000"})
    public int devices;

    @Param({"1", "1000"})
    public int guests;

    private Dom0Kernel kernel;
    private Sbdf[] dom0Devices;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Vdm vdm = Vdm.host(ManyDevicesHost.of(devices, guests)).preset(Preset.UPSTREAM).tracing(false).invariants(false)
                .withoutDom0Driver(ManyDevicesHost.guestDevices(devices, guests)).build();
        kernel = vdm.kernel();
        // the last `guests` endpoints go one to each guest; dom0 reads the first `devices`
        for (int g = 0; g < guests; g++) {
            Sbdf s = ManyDevicesHost.sbdf(devices + g);
            if (vdm.libxl().pciAssignableAdd(s) != 0) throw new IllegalStateException(s + ": assignable-add failed");
            int domid = vdm.libxl().domainCreate(1);
            if (!vdm.libxl().pciAttach(domid, s, 5).ok()) throw new IllegalStateException(s + ": attach failed");
        }
        dom0Devices = new Sbdf[devices];
        for (int i = 0; i < devices; i++) dom0Devices[i] = ManyDevicesHost.sbdf(i);
    }

    /** One device's BAR0, whatever the model's size: the SBDF lookup and vPCI dispatch alone must not grow. */
    @Benchmark
    public int dom0TrappedReadOneDevice() {
        return kernel.cfgRead(dom0Devices[dom0Devices.length / 2], 0x10, 4);
    }

    /** Each call the next device in turn: with thousands of devices their config spaces no longer fit in cache. */
    @Benchmark
    public int dom0TrappedReadInTurn() {
        int i = next;
        next = i + 1 == dom0Devices.length ? 0 : i + 1;
        return kernel.cfgRead(dom0Devices[i], 0x10, 4);
    }
}
