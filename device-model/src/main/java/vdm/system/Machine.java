package vdm.system;

import java.util.Objects;
import vdm.dom0.Dom0Kernel;
import vdm.errno.Errno;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.log.StepBus;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.toolstack.GuestMemory;
import vdm.toolstack.Libxl;
import vdm.toolstack.ToolstackLog;
import vdm.xen.Domain;
import vdm.xen.Xen;

/**
 * The composition root: one assembled passthrough system (host, Xen, a booted dom0 kernel, libxl with QEMU), the
 * trace that merges every layer's log and hypercall in order, and the bus on which the layers report the end of each
 * model step. The layers know neither the trace nor who watches the steps; this class wires them.
 *
 * <p>{@link vdm.Vdm}, the embedding API, is a machine with the cross-layer invariant monitor on its step bus; the
 * scenario, the explorer and the snapshots work on any machine.
 */
public class Machine {
    private final Host host;
    private final Xen xen;
    private final Dom0Kernel kernel;
    private final Libxl libxl;
    private final Trace trace;
    private final StepBus steps;
    private final Fixes fixes;

    /** The parts of a machine {@link Builder#assemble} put together (a subclass takes them as they are). */
    protected record Parts(Host host, Xen xen, Dom0Kernel kernel, Libxl libxl, Trace trace, StepBus steps, Fixes fixes) {}

    protected Machine(Parts p) {
        this.host = p.host();
        this.xen = p.xen();
        this.kernel = p.kernel();
        this.libxl = p.libxl();
        this.trace = p.trace();
        this.steps = p.steps();
        this.fixes = p.fixes();
    }

    public Host host() { return host; }
    public Xen xen() { return xen; }
    public Dom0Kernel kernel() { return kernel; }
    public Libxl libxl() { return libxl; }
    public Trace trace() { return trace; }
    public Fixes fixes() { return fixes; }
    public Domain dom0() { return xen.dom0(); }

    /** Where the layers report the end of each model step; monitors subscribe here. */
    public StepBus steps() { return steps; }

    /** The built-in default host. */
    public static Builder defaultHost() {
        return new Builder(DefaultHost.description());
    }

    /** A host described in Java ({@code Host.builder()...describe()}). */
    public static Builder host(HostDescription description) {
        return new Builder(Objects.requireNonNull(description, "host description"));
    }

    /**
     * What watches a machine's steps (the invariant monitor is one): asked once per machine built, before dom0
     * boots, for the listener to put on that machine's step bus, so that what it remembers is per machine.
     */
    @FunctionalInterface
    public interface StepMonitor {
        StepMonitor NONE = machine -> null;

        /** The listener for this machine's steps, or null for none. */
        java.util.function.Consumer<String> watch(Machine machine);
    }

    /** Forwards the physical IO-APICs' deliveries to Xen once it exists (the host is built first). */
    private static final class ForwardingSink implements InterruptSink {
        volatile Xen xen;

        @Override
        public void deliver(IoApic source, int pin, long address, int data) {
            Xen x = xen;
            if (x != null) x.physicalInterrupt(source, pin, address, data);
        }
    }

    /** How a machine is put together: the host, the fixes, dom0, and what is recorded and watched. */
    public static class Builder {
        private final HostDescription description;
        private Fixes fixes = Preset.UPSTREAM.fixes();
        private Domain.Kind dom0Kind = Domain.Kind.PVH;
        private int dom0Vcpus = 2;
        private GuestMemory guestMemory = GuestMemory.DEFAULT;
        private boolean boot = true;
        private boolean tracing = true;
        private StepMonitor monitor = StepMonitor.NONE;
        private java.util.Set<vdm.pci.Sbdf> withoutDom0Driver = java.util.Set.of();

        protected Builder(HostDescription description) {
            this.description = description;
        }

        public HostDescription description() { return description; }
        public Fixes fixes() { return fixes; }

        public Builder preset(Preset preset) {
            this.fixes = preset.fixes();
            return this;
        }

        public Builder fixes(Fixes fixes) {
            this.fixes = Objects.requireNonNull(fixes, "fixes");
            return this;
        }

        /** PV or PVH (the default). */
        public Builder dom0(Domain.Kind kind) {
            if (kind == Domain.Kind.HVM) throw new IllegalArgumentException("dom0 is PV or PVH, not HVM");
            this.dom0Kind = kind;
            return this;
        }

        /** The {@code memory=} (MiB) of the guests libxl creates: 1024 unless set (what vdm's guests always had). */
        public Builder guestMemory(int mib) {
            this.guestMemory = new GuestMemory(mib);
            return this;
        }

        public Builder dom0Vcpus(int n) {
            if (n < 1 || n > 64) throw new IllegalArgumentException("dom0 vCPUs " + n + " must be 1..64");
            this.dom0Vcpus = n;
            return this;
        }

        /** Whether dom0's kernel boots its PCI subsystem (assigns BARs, enables devices): default true. */
        public Builder bootDom0(boolean value) {
            this.boot = value;
            return this;
        }

        /**
         * Functions dom0's kernel has no driver for: at boot they stay unbound and are not enabled (a device only the
         * firmware uses, as 53d9133638 describes). Default: none, every function but a host bridge gets its driver.
         */
        public Builder withoutDom0Driver(java.util.Set<vdm.pci.Sbdf> functions) {
            this.withoutDom0Driver = java.util.Set.copyOf(functions);
            return this;
        }

        /** Whether hypercalls and log lines are recorded in the trace (default true; benchmarks turn it off). */
        public Builder tracing(boolean value) {
            this.tracing = value;
            return this;
        }

        public boolean tracing() {
            return tracing;
        }

        /** Told after every model step, from boot on ({@link StepMonitor#NONE} by default). */
        public Builder monitor(StepMonitor value) {
            this.monitor = Objects.requireNonNull(value, "step monitor");
            return this;
        }

        public Machine build() {
            return start(new Machine(assemble()));
        }

        /**
         * Builds the parts, subscribes the monitor and boots dom0's kernel (when asked): the trace gets Xen's
         * console, dom0's kernel log, the toolstack's log and every hypercall, each as the layer reports it.
         */
        protected final Parts assemble() {
            ForwardingSink sink = new ForwardingSink();
            Host host = Host.create(description, sink).enumerate(); // firmware programs the bridges
            Trace trace = new Trace(tracing);
            StepBus steps = new StepBus();
            Xen xen = Xen.onHost(fixes.xenConfig(), host);
            sink.xen = xen;
            ToolstackLog toolstackLog = new ToolstackLog();
            vdm.dom0.KernelLog[] kernelLog = new vdm.dom0.KernelLog[1]; // the kernel is built after dom0 boots below
            if (tracing) {
                // A failure the toolstack said it expects (ToolstackLog.expecting), and Xen's lines while that call
                // runs, are marked EXPECTED with the reason instead of FAILED; so is a hypercall result the kernel
                // said it expects (KernelLog.expecting).
                xen.addHypercallListener((caller, name, args, rc) -> {
                    ToolstackLog.Expected e = toolstackLog.expectation();
                    if (e == null && kernelLog[0] != null && kernelLog[0].expectation() != null) {
                        e = new ToolstackLog.Expected(kernelLog[0].expectation().result(), kernelLog[0].expectation().why());
                    }
                    boolean expected = e != null && rc == e.result();
                    trace.add(Trace.Source.HYPERCALL, rc < 0 ? expected ? Trace.Verdict.EXPECTED : Trace.Verdict.FAILED : Trace.Verdict.OK,
                            name + " = " + Errno.name(rc), "d" + caller.id() + " " + args + (expected ? "; expected: " + e.why() : ""), rc);
                });
                xen.log().addListener(l -> {
                    ToolstackLog.Expected e = toolstackLog.expectation();
                    boolean failure = l.level().failure();
                    // a warning about a state Xen put right itself (XenLog.warnFixedUp) is expected too
                    String why = e != null ? e.why() : l.fixedUp();
                    boolean expected = !why.isEmpty();
                    trace.add(Trace.Source.XEN, failure ? expected ? Trace.Verdict.EXPECTED : Trace.Verdict.FAILED : Trace.Verdict.INFO, l.line(),
                            failure && expected ? "expected: " + why : "", 0);
                });
            }
            trace.step("boot");
            xen.createDom0(dom0Kind, dom0Vcpus);
            Dom0Kernel kernel = new Dom0Kernel(host, xen, fixes, steps);
            kernelLog[0] = kernel.log();
            if (tracing) {
                kernel.log().addListener(l -> trace.add(Trace.Source.KERNEL,
                        l.level() == vdm.log.Level.ERR ? Trace.Verdict.FAILED : Trace.Verdict.INFO, l.text(), "", 0));
                toolstackLog.addListener(l -> trace.add(l.source() == ToolstackLog.Source.LIBXL ? Trace.Source.LIBXL : Trace.Source.QEMU,
                        l.expected() != null ? Trace.Verdict.EXPECTED : l.level().failure() ? Trace.Verdict.FAILED : Trace.Verdict.INFO, l.text(),
                        l.expected() != null ? "expected: " + l.expected().why() : "", l.result()));
            }
            return new Parts(host, xen, kernel, new Libxl(xen, kernel, toolstackLog, steps, guestMemory), trace, steps, fixes);
        }

        /** Subscribes the monitor to the machine's steps and boots dom0 (the last part of building one). */
        protected final <M extends Machine> M start(M machine) {
            java.util.function.Consumer<String> watcher = monitor.watch(machine);
            if (watcher != null) machine.steps().addListener(watcher);
            if (boot) machine.kernel().boot(withoutDom0Driver);
            return machine;
        }
    }
}
