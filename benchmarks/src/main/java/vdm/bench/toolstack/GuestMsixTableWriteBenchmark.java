package vdm.bench.toolstack;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import vdm.toolstack.XenPtDevice;
import vdm.xen.Vcpu;

/**
 * A guest's write to its MSI-X table through QEMU's emulation: Xen.mmioWrite on the guest's vCPU at the Message Data
 * of an NVMe table entry with no vector yet (the guest's p2m leaves the table page out, Xen's msixtbl does not claim
 * an entry it has no msi_desc for, the ioreq server finds the device's table and pci_msix_write latches the value).
 * Entry 0 is enabled, programmed and bound first, so msixtbl is live for the device. Upstream preset, tracing off.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar GuestMsixTableWriteBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class GuestMsixTableWriteBenchmark {
    private static final long GUEST_BAR0 = 0xe000_0000L;
    private Vdm vdm;
    private Vcpu vcpu;
    private long entry1Data;
    private int value;

    @Setup
    public void setUp() {
        vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).tracing(false).invariants(false).build();
        if (vdm.libxl().pciAssignableAdd(DefaultHost.NVME) != 0) throw new IllegalStateException("assignable-add failed");
        int domid = vdm.libxl().domainCreate(1);
        if (!vdm.libxl().pciAttach(domid, DefaultHost.NVME, 5).ok()) throw new IllegalStateException("attach failed");
        XenPtDevice pt = vdm.libxl().device(DefaultHost.NVME);
        pt.guestWrite(0x10, 4, (int) GUEST_BAR0);
        pt.guestWrite(0x14, 4, 0);
        pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | 0x6);
        int cap = capability(pt, 0x11);
        long table = GUEST_BAR0 + (pt.guestRead(cap + 4, 4) & ~7);
        vcpu = vdm.xen().domain(domid).vcpu(0);
        pt.guestWrite(cap + 2, 2, 0xc000); // enable, function masked
        vdm.xen().mmioWrite(vcpu, table, 4, 0xfee0_0000L);
        vdm.xen().mmioWrite(vcpu, table + 8, 4, 0x41);
        vdm.xen().mmioWrite(vcpu, table + 12, 4, 0);
        pt.guestWrite(cap + 2, 2, 0x8000);
        if (vdm.xen().msixtbl().registered(vdm.xen().domain(domid)).length != 1) throw new IllegalStateException("entry 0 not bound");
        entry1Data = table + 16 + 8;
    }

    private static int capability(XenPtDevice pt, int id) {
        int pos = pt.guestRead(0x34, 1) & ~3;
        while (pos >= 0x40) {
            int header = pt.guestRead(pos, 2);
            if ((header & 0xff) == id) return pos;
            pos = (header >>> 8) & ~3;
        }
        throw new IllegalStateException("no capability " + id);
    }

    @Benchmark
    public int guestTableWrite() {
        value = (value + 1) & 0xff;
        vdm.xen().mmioWrite(vcpu, entry1Data, 4, 0x40 | value);
        return value;
    }
}
