package vdm.bench.xen;

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
import vdm.pci.Sbdf;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.IoApic;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;
import vdm.xen.Domain;
import vdm.xen.PhysdevOps;
import vdm.xen.Vcpu;
import vdm.xen.Xen;
import vdm.xen.XenConfig;

/**
 * Xen's trap layer: a PVH dom0's trapped config reads through the CF8 latch and ECAM (device lookup, vPCI
 * dispatch, hardware read), a domU's guest BAR read, cmd_write toggling decoding of a device with six BARs (the
 * deferred (un)mapping included), and map_pirq + unmap_pirq. {@code devices} shows that dispatch stays flat.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar TrappedAccessBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class TrappedAccessBenchmark {
    @Param({"1", "10000"})
    public int devices;

    private Xen xen;
    private Vcpu dom0Cpu, guestCpu;
    private int lastBusDevfn;
    private int guestBusDevfn;
    private int toggle;
    private Domain domU;

    @Setup(Level.Trial)
    public void setUp() {
        Layout sixBars = Layout.type0("six-bars").ids(0x1b36, 0x0100).classCode(0x020000).interruptPin(1)
                .bar(0, Bar.mem32(64 << 10)).bar(1, Bar.mem32(64 << 10)).bar(2, Bar.mem32(64 << 10))
                .bar(3, Bar.mem32(64 << 10)).bar(4, Bar.mem32(64 << 10)).bar(5, Bar.mem32(64 << 10)).build();
        BenchBus bus = new BenchBus(devices == 1 ? sixBars : DeviceCatalog.layout("e1000"), Math.max(devices, 2));
        GsiSpace gsis = GsiSpace.of(IoApic.builder().pins(24).build(), IoApic.builder().id(1).pins(32).gsiBase(24).build());
        xen = new Xen(XenConfig.UPSTREAM, bus, gsis, 9);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        dom0Cpu = dom0.vcpu(0);
        Sbdf last = bus.functions().getLast();
        lastBusDevfn = last.bus() << 8 | last.devfn();
        // The last device gets BAR addresses and its latch is set once: every read then pays lookup + dispatch.
        for (int i = 0; i < 6; i++) xen.ecamWrite(dom0Cpu, lastBusDevfn << 12 | (0x10 + 4 * i), 4, 0xe0000000 + (i << 16));
        xen.ioWrite(dom0Cpu, 0xcf8, 4, 0x80000000 | lastBusDevfn << 8 | 0x10);
        // A domU holding the first device.
        Sbdf first = bus.functions().getFirst();
        guestBusDevfn = first.bus() << 8 | first.devfn();
        domU = xen.createDomainWithVpci(1);
        guestCpu = domU.vcpu(0);
        if (!xen.assignDevice(domU.id(), first).ok()) throw new IllegalStateException("assign failed");
        xen.ecamWrite(guestCpu, guestBusDevfn << 12 | 0x10, 4, 0xc0000000);
    }

    /** CF8 latch set, data port read: latch decode, device lookup, vPCI dispatch (a trapped BAR), hardware read. */
    @Benchmark
    public int dom0TrappedReadCf8() {
        return xen.ioRead(dom0Cpu, 0xcfc, 4);
    }

    /** The same through ECAM. */
    @Benchmark
    public int dom0TrappedReadEcam() {
        return xen.ecamRead(dom0Cpu, lastBusDevfn << 12 | 0x10, 4);
    }

    /** An untrapped dword (the class code) through ECAM: vPCI sends it straight to the hardware. */
    @Benchmark
    public int dom0UntrappedReadEcam() {
        return xen.ecamRead(dom0Cpu, lastBusDevfn << 12 | 0x08, 4);
    }

    /** A domU reading its guest BAR (emulated from vPCI's cache). */
    @Benchmark
    public int guestBarRead() {
        return xen.ecamRead(guestCpu, guestBusDevfn << 12 | 0x10, 4);
    }

    /** A dword read of COMMAND (a register) and STATUS (a gap): the handler and one 16-bit hardware read for the gap. */
    @Benchmark
    public int dom0ReadRegisterAndGap() {
        return xen.ecamRead(dom0Cpu, lastBusDevfn << 12 | 0x04, 4);
    }

    /** A dword write of COMMAND (unchanged, no mapping work) and STATUS (a gap, one 16-bit hardware write). */
    @Benchmark
    public void dom0WriteRegisterAndGap() {
        xen.ecamWrite(dom0Cpu, lastBusDevfn << 12 | 0x04, 4, 0);
    }

    /** cmd_write toggling memory decoding: maps or unmaps all six BARs (p2m work included) and writes COMMAND. */
    @Benchmark
    public int cmdWriteToggle() {
        toggle ^= 0x2;
        xen.ecamWrite(dom0Cpu, lastBusDevfn << 12 | 0x04, 2, toggle);
        return toggle;
    }

    /** PHYSDEVOP_map_pirq (GSI 28 into the domU) then PHYSDEVOP_unmap_pirq. */
    @Benchmark
    public int mapUnmapPirq() {
        int pirq = xen.physdev().mapPirq(xen.dom0(), domU.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 28, 28).pirq();
        return xen.physdev().unmapPirq(xen.dom0(), domU.id(), pirq) + pirq;
    }
}
