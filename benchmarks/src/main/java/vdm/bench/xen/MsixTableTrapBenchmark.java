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
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.xen.Vcpu;
import vdm.xen.Xen;

/**
 * A trapped MSI-X table write by dom0 on the assembled default host: dom0's store to the nvme's table misses its p2m
 * (the page is a hole), Xen asks the domain's intercepts and vPCI's MSI-X trap (msix_accept, msix_write) stores the
 * entry's data. Must allocate nothing. The table's address is read off the device as dom0 would find it.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar MsixTableTrapBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class MsixTableTrapBenchmark {
    private Xen xen;
    private Vcpu vcpu;
    private long entryData;
    private long readEntry;
    private int value;

    @Setup(Level.Trial)
    public void setUp() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        xen = vdm.xen();
        vcpu = vdm.dom0().vcpu(0);
        Sbdf nvme = DefaultHost.NVME;
        int pos = vdm.kernel().cfgRead(nvme, 0x34, 1) & 0xfc;
        while (pos != 0 && (vdm.kernel().cfgRead(nvme, pos, 1) & 0xff) != 0x11) pos = vdm.kernel().cfgRead(nvme, pos + 1, 1) & 0xfc;
        if (pos == 0) throw new IllegalStateException(nvme + " has no MSI-X capability");
        int table = vdm.kernel().cfgRead(nvme, pos + 4, 4);
        long bar = vdm.host().require(nvme).barAddress(table & 7);
        long entry1 = bar + (table & ~7) + 16;
        entryData = entry1 + 8;
        readEntry = entry1;
        if (vdm.dom0().p2m().translate(entry1) >= 0) throw new IllegalStateException("the table page is mapped: nothing traps");
    }

    /** Entry 1's Message Data: stored by Xen, takes effect at the next unmask. */
    @Benchmark
    public void trappedTableWrite() {
        xen.mmioWrite(vcpu, entryData, 4, value++ & 0xffff);
    }

    /** Entry 1's address, read back from Xen's copy. */
    @Benchmark
    public long trappedTableRead() {
        return xen.mmioRead(vcpu, readEntry, 4);
    }
}
