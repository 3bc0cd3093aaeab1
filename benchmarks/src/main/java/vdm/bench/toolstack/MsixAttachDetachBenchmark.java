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
import vdm.host.MsiOutcome;
import vdm.model.Preset;
import vdm.scenario.GuestMsi;
import vdm.scenario.GuestOps;
import vdm.toolstack.AttachResult;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;

/**
 * Attach + detach cycles of an MSI-X device (the default host's accelerator: no INTx pin, MSI-X only) into one HVM
 * guest under the upstream preset: xl pci-attach; the guest's firmware programs the BARs; its driver enables MSI-X
 * with four entries (QEMU maps and binds a pirq for each: xc_physdev_map_pirq_msi, xc_domain_update_msi_irq); the
 * device raises entry 0 once; xl pci-detach (unbind, unmap, deassign, pciback's reset). Tracing off. The teardown
 * checks that nothing was left behind: no pirq, binding, permission or mapping in the guest.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar MsixAttachDetachBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class MsixAttachDetachBenchmark {
    private static final int ENTRIES = 4, SLOT = 5;
    private Vdm vdm;
    private int domid;
    private long cycles;

    @Setup(Level.Trial)
    public void setUp() {
        vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).tracing(false).build();
        if (vdm.libxl().pciAssignableAdd(DefaultHost.ACCELERATOR) != 0) throw new IllegalStateException("assignable-add failed");
        domid = vdm.libxl().domainCreate(1);
        for (int i = 0; i < 1_000; i++) cycle();
    }

    @Benchmark
    public long attachDetach() {
        return cycle();
    }

    private long cycle() {
        AttachResult a = vdm.libxl().pciAttach(domid, DefaultHost.ACCELERATOR, SLOT);
        XenPtDevice pt = vdm.libxl().device(DefaultHost.ACCELERATOR);
        GuestOps.programBars(vdm, pt);
        long table = GuestMsi.msixTable(pt);
        GuestMsi.enableMsix(vdm, pt, table, ENTRIES);
        MsiOutcome fired = vdm.host().require(DefaultHost.ACCELERATOR).fireMsix(0);
        AttachResult d = vdm.libxl().pciDetach(domid, DefaultHost.ACCELERATOR);
        if (!a.ok() || !d.ok() || fired != MsiOutcome.SENT) throw new IllegalStateException("cycle failed: " + a + " / " + fired + " / " + d);
        cycles++;
        return vdm.xen().domain(domid).msiReceipts().total();
    }

    @TearDown(Level.Trial)
    public void check() {
        Domain g = vdm.xen().domain(domid);
        if (g.pirqs().mappings().length != 0 || !g.irqCaps().isEmpty() || !g.p2m().isEmpty()
                || !vdm.kernel().pciback().holds(DefaultHost.ACCELERATOR) || vdm.libxl().device(DefaultHost.ACCELERATOR) != null
                || g.msiReceipts().total() != cycles) {
            throw new IllegalStateException("MSI-X attach/detach left something behind after " + cycles + " cycles");
        }
        System.out.printf("%n%d cycles, %d MSI-X interrupts received%n", cycles, g.msiReceipts().total());
    }
}
