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
import vdm.host.Host;
import vdm.host.MsiOutcome;
import vdm.host.PhysicalFunction;
import vdm.host.WideHost;
import vdm.xen.Domain;
import vdm.xen.MsiGflags;
import vdm.xen.MsiIrqs;
import vdm.xen.PhysdevOps;
import vdm.xen.Xen;
import vdm.xen.XenConfig;

/**
 * A device's MSI-X vector to the guest's receipt, on Xen over the real wide host (not a test bus): the first
 * root-bus endpoint with MSI-X has its table BAR placed, is assigned to a guest, and has entry 1 mapped
 * (PHYSDEVOP_map_pirq, MAP_PIRQ_TYPE_MSI_SEG) and bound unmasked (XEN_DOMCTL_bind_pt_irq, PT_IRQ_TYPE_MSI) as QEMU's
 * xen_pt does it. {@code deviceFiresMsixEntry}: the function reads its table entry and writes the message to the host's
 * MSI target, Xen finds the irq by vector, then the binding, and vmsi_deliver counts the guest's vector.
 * {@code xenTakesMessage}: Xen's part alone. Target: at most 50 ns, 0 B/op.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar MsixDeliveryBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class MsixDeliveryBenchmark {
    private PhysicalFunction device;
    private MsiIrqs msi;
    private Domain guest;
    private long address;
    private int data;

    @Setup(Level.Trial)
    public void setUp() {
        Host host = Host.create(WideHost.description()).enumerate();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        guest = xen.createDomain(2);
        msi = xen.msi();
        device = host.functions().stream()
                .filter(f -> (f.read(0x0e, 1) & 0x7f) == 0 && f.sbdf().bus() == 0 && f.sbdf().segment() == 0 && msixCap(f) != 0)
                .findFirst().orElseThrow(() -> new IllegalStateException("the wide host has no root-bus MSI-X endpoint"));
        int pos = msixCap(device);
        int bir = device.read(pos + 4, 4) & 7;
        long bar = 0xc000_0000L;
        int lo = device.read(0x10 + 4 * bir, 4);
        device.write(0x10 + 4 * bir, 4, (int) bar);
        if ((lo & 0x6) == 0x4) device.write(0x14 + 4 * bir, 4, 0);
        device.write(0x04, 2, device.read(0x04, 2) | 0x6);
        check(xen.assignDevice(guest.id(), device.sbdf()).rc(), "assign");
        PhysdevOps.PirqResult r = xen.physdev().mapPirq(dom0, new PhysdevOps.MapPirq(guest.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI_SEG, -1, -1,
                device.sbdf().bus(), device.sbdf().devfn(), 1, bar));
        check(r.rc(), "map_pirq");
        device.write(pos + 2, 2, device.read(pos + 2, 2) | 0x8000);
        check(xen.domctls().bindPtIrqMsi(dom0, guest.id(), r.pirq(), 0x61, MsiGflags.of(0x61, 0xfee02000L, false), 0), "bind_pt_irq");
        MsiIrqs.DescState d = msi.descState(guest.pirqs().irq(r.pirq()));
        address = MsiIrqs.composeAddress(d.destApic());
        data = MsiIrqs.composeData(d.vector());
        if (device.fireMsix(1) != MsiOutcome.SENT || guest.msiReceipts().count(0x61) != 1) {
            throw new IllegalStateException("entry 1 of " + device.sbdf() + " does not reach the guest");
        }
    }

    private static int msixCap(PhysicalFunction f) {
        int pos = (f.read(0x06, 2) & 0x10) == 0 ? 0 : f.read(0x34, 1) & ~3;
        while (pos != 0 && f.read(pos, 1) != 0x11) pos = f.read(pos + 1, 1) & ~3;
        return pos;
    }

    private static void check(int rc, String what) {
        if (rc != 0) throw new IllegalStateException(what + " failed: " + rc);
    }

    @Benchmark
    public MsiOutcome deviceFiresMsixEntry() {
        return device.fireMsix(1);
    }

    @Benchmark
    public long xenTakesMessage() {
        msi.message(address, data);
        return guest.msiReceipts().count(0x61);
    }
}
