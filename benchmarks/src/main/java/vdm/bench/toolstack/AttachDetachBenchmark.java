package vdm.bench.toolstack;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.toolstack.AttachResult;
import vdm.xen.Domain;

/**
 * Full xl pci-attach + pci-detach cycles of the NIC into one HVM guest under the upstream preset (assign_device,
 * QEMU realize with map_pirq and bind, privcmd GSI lookup, gsi_permission; then unbind, unmap, revoke, deassign and
 * pciback's reset + reset notification + restore). Tracing off. The teardown checks that nothing was left behind:
 * no pirq, binding, permission or mapping in the guest, and the device back with pciback.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar AttachDetachBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class AttachDetachBenchmark {
    private Vdm vdm;
    private int domid;
    private long cycles;
    private long heapBefore;

    @Setup(Level.Trial)
    public void setUp() {
        vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).tracing(false).build();
        if (vdm.libxl().pciAssignableAdd(DefaultHost.NIC) != 0) throw new IllegalStateException("assignable-add failed");
        domid = vdm.libxl().domainCreate(1);
        for (int i = 0; i < 10_000; i++) cycle(); // settle, then measure the heap the model holds
        heapBefore = usedHeap();
    }

    @Benchmark
    public int attachDetach() {
        return cycle();
    }

    private int cycle() {
        AttachResult a = vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5);
        AttachResult d = vdm.libxl().pciDetach(domid, DefaultHost.NIC);
        if (!a.ok() || !d.ok()) throw new IllegalStateException("cycle failed: " + a + " / " + d);
        cycles++;
        return a.rc() + d.rc();
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    @TearDown(Level.Trial)
    public void check() {
        Domain g = vdm.xen().domain(domid);
        if (g.pirqs().mappings().length != 0 || !g.interrupts().bindings().isEmpty() || !g.irqCaps().isEmpty()
                || !g.p2m().isEmpty() || !vdm.kernel().pciback().holds(DefaultHost.NIC) || vdm.libxl().device(DefaultHost.NIC) != null) {
            throw new IllegalStateException("attach/detach left something behind after " + cycles + " cycles");
        }
        long heapAfter = usedHeap();
        System.out.printf("%n%d cycles; model heap before %d KiB, after %d KiB (difference %d KiB)%n", cycles,
                heapBefore >> 10, heapAfter >> 10, (heapAfter - heapBefore) >> 10);
    }
}
