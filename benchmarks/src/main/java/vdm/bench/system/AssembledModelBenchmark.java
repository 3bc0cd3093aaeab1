package vdm.bench.system;

import java.util.ArrayList;
import java.util.List;
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
import vdm.ioapic.GsiSpace;
import vdm.host.MsiOutcome;
import vdm.host.PhysicalFunction;
import vdm.host.WideHost;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.pci.cap.MsiX;
import vdm.pci.layout.BarKind;
import vdm.scenario.GuestMsi;
import vdm.scenario.GuestOps;
import vdm.toolstack.XenPtDevice;
import vdm.xen.GuestInterrupts;
import vdm.xen.MsiReceipts;

/**
 * The paths the assembled model takes, through {@code Vdm} (host bus, physical functions, Xen, dom0's kernel, libxl,
 * QEMU's xen_pt), on the default host and on the wide host (bridges, two segments, shared GSIs, IO and 64-bit BARs,
 * many layouts). Nothing is chosen from a host's constants: the passed-through device is the host's first endpoint
 * that libxl attaches and whose guest sees MSI-X; the dom0 reads go to every other endpoint with a memory BAR0 (the
 * BARs vPCI traps), so the call sites see the host's layouts. The single-layout benchmarks ({@code ConfigAccessBenchmark}, {@code TrappedAccessBenchmark})
 * are the lower bound. Run with {@code -prof gc}: every path promises 0 B/op.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar AssembledModelBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class AssembledModelBenchmark {
    @Param({"default", "wide"})
    public String host;

    private static final int INTX_VECTOR = 0x51;
    private Dom0Kernel kernel;
    /** dom0's endpoints with a memory BAR0 (every one but the passed-through device), one BAR0 read each in turn. */
    private Sbdf[] dom0Devices;
    private Sbdf dom0Device;
    private int next, toggle, command;
    private XenPtDevice pt;
    private GsiSpace gsis;
    private GuestInterrupts guest;
    private int gsi;
    private PhysicalFunction msixDevice;
    private int msixEntry, msixVector;
    private MsiReceipts receipts;

    @Setup(Level.Trial)
    public void setUp() {
        Vdm vdm = (host.equals("wide") ? Vdm.host(WideHost.description()) : Vdm.defaultHost())
                .preset(Preset.UPSTREAM).tracing(false).invariants(false).build();
        kernel = vdm.kernel();
        int domid = vdm.libxl().domainCreate(1);
        List<PhysicalFunction> endpoints = vdm.host().functions().stream().filter(f -> f.layout().headerType() == 0).toList();
        for (PhysicalFunction f : endpoints) {
            if (vdm.host().route(f.sbdf()).isEmpty() || vdm.libxl().pciAssignableAdd(f.sbdf()) != 0) continue;
            if (!vdm.libxl().pciAttach(domid, f.sbdf(), 5).ok()) continue;
            XenPtDevice candidate = vdm.libxl().device(f.sbdf());
            if (GuestMsi.capability(candidate, MsiX.ID) >= 0 && candidate.interruptPin() != 0) {
                pt = candidate;
                break;
            }
            vdm.libxl().pciDetach(domid, f.sbdf());
        }
        if (pt == null) throw new IllegalStateException(host + ": no endpoint with MSI-X and a routed pin attaches");
        List<Sbdf> others = new ArrayList<>();
        for (PhysicalFunction f : endpoints) {
            // a memory BAR0: vPCI traps memory BARs only (an I/O BAR's register goes straight to the device)
            if (!f.sbdf().equals(pt.hostAddress()) && f.barImplemented(0) && f.barKind(0) != BarKind.IO && f.barAddress(0) != 0) others.add(f.sbdf());
        }
        dom0Devices = others.toArray(Sbdf[]::new);
        if (dom0Devices.length == 0) throw new IllegalStateException(host + ": no other endpoint for dom0's reads");
        dom0Device = dom0Devices[0];
        command = kernel.cfgRead(dom0Device, 0x04, 2);

        // the guest's firmware places the BARs, the guest programs its pin (INTx) and MSI-X entry 0
        GuestOps.programBars(vdm, pt);
        guest = pt.guest().interrupts();
        int guestGsi = GuestInterrupts.intxGsi(pt.guestSlot(), pt.interruptPin() - 1);
        guest.vioapic().setEntry(guestGsi, RedirectionEntry.fixed(INTX_VECTOR, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        gsis = vdm.host().gsiSpace();
        gsi = vdm.host().route(pt.hostAddress()).orElseThrow().gsi();
        long table = GuestMsi.msixTable(pt);
        if (table < 0) throw new IllegalStateException(pt.hostAddress() + ": the guest placed no MSI-X table");
        GuestMsi.GuestVector v = GuestMsi.enableMsix(vdm, pt, table, 1).getFirst();
        msixDevice = vdm.host().require(pt.hostAddress());
        msixEntry = v.entry();
        msixVector = v.vector();
        receipts = pt.guest().msiReceipts();
        if (!GuestMsi.fireMsix(vdm, pt, v).arrived()) throw new IllegalStateException(pt.hostAddress() + ": MSI-X entry 0 does not reach the guest");
        if (intxToGuest() == 0) throw new IllegalStateException(pt.hostAddress() + ": INTx does not reach the guest");
    }

    /** dom0 reads BAR0 (a register vPCI traps: bar_read) of one of its devices. */
    @Benchmark
    public int dom0TrappedRead() {
        return kernel.cfgRead(dom0Device, 0x10, 4);
    }

    /** The same read, each call on the next of dom0's endpoints: every layout of the host through one call site. */
    @Benchmark
    public int dom0TrappedReadAcrossDevices() {
        int i = next;
        next = i + 1 == dom0Devices.length ? 0 : i + 1;
        return kernel.cfgRead(dom0Devices[i], 0x10, 4);
    }

    /** dom0 toggles COMMAND's INTx Disable (vPCI's cmd_write; no decoding change, so no BAR mapping work). */
    @Benchmark
    public int dom0TrappedWrite() {
        toggle ^= 0x400;
        kernel.cfgWrite(dom0Device, 0x04, 2, command ^ toggle);
        return toggle;
    }

    /** The guest reads its device's IDs through QEMU's emulated view (xen_pt's register table, then the device). */
    @Benchmark
    public int guestConfigRead() {
        return pt.guestRead(0x00, 4);
    }

    /** The guest reads its BAR0 through QEMU's view (emulated: the guest's address, not the machine's). */
    @Benchmark
    public int guestBarRead() {
        return pt.guestRead(0x10, 4);
    }

    /** The physical pin asserted, Xen to the guest's vIO-APIC (delivered), deasserted, the guest's EOI. */
    @Benchmark
    public long intxToGuest() {
        gsis.assertGsi(gsi);
        gsis.deassertGsi(gsi);
        guest.guestEoi(INTX_VECTOR);
        return guest.delivered().count();
    }

    /** The device raises MSI-X entry 0: its table read, the message to the host, Xen's pirq to the guest's vector. */
    @Benchmark
    public long msixToGuest() {
        MsiOutcome o = msixDevice.fireMsix(msixEntry);
        return receipts.count(msixVector) + o.ordinal();
    }
}
