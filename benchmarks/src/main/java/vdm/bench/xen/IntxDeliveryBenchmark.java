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
import vdm.ioapic.GsiSpace;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.model.Preset;
import vdm.toolstack.XenPtDevice;
import vdm.xen.GuestInterrupts;

/**
 * A passed-through device's INTx on the assembled model (the default host, upstream preset, the NIC attached to a
 * guest): the physical IO-APIC pin is asserted, Xen finds the guest bound to the GSI and asserts its vIO-APIC pin,
 * which delivers; the device lowers the line and the guest EOIs, which EOIs the physical pin. Run with
 * {@code -prof gc}: the whole path allocates nothing.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar IntxDeliveryBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class IntxDeliveryBenchmark {
    private static final int VECTOR = 0x51;
    private GsiSpace gsis;
    private GuestInterrupts guest;
    private int gsi;

    @Setup(Level.Trial)
    public void setUp() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).tracing(false).invariants(false).build();
        if (vdm.libxl().pciAssignableAdd(DefaultHost.NIC) != 0) throw new IllegalStateException("assignable-add failed");
        int domid = vdm.libxl().domainCreate(1);
        if (!vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5).ok()) throw new IllegalStateException("attach failed");
        XenPtDevice pt = vdm.libxl().device(DefaultHost.NIC);
        guest = pt.guest().interrupts();
        int guestGsi = GuestInterrupts.intxGsi(pt.guestSlot(), pt.interruptPin() - 1);
        guest.vioapic().setEntry(guestGsi, RedirectionEntry.fixed(VECTOR, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        gsis = vdm.host().gsiSpace();
        gsi = vdm.host().route(DefaultHost.NIC).orElseThrow().gsi();
    }

    /** Assert, deliver to the guest, deassert, guest EOI (which EOIs the physical pin). */
    @Benchmark
    public long intxToGuestAndEoi() {
        gsis.assertGsi(gsi);
        gsis.deassertGsi(gsi);
        guest.guestEoi(VECTOR);
        return guest.delivered().count();
    }
}
