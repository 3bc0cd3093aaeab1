package vdm;

import java.nio.file.Path;
import java.util.Objects;
import vdm.dom0.Dom0Kernel;
import vdm.dom0.KernelLog;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.host.HostLoader;
import vdm.invariants.InvariantMonitor;
import vdm.invariants.Violation;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.model.Trace;
import vdm.toolstack.Libxl;
import vdm.xen.Domain;
import vdm.errno.Errno;
import vdm.xen.Xen;
import vdm.xen.XenLog;

/**
 * The embedding API: a whole passthrough system in one object, for test harnesses.
 * <pre>
 *   Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();   // Xen, a booted PVH dom0, libxl, one trace
 *   vdm.libxl().pciAssignableAdd(DefaultHost.NIC);
 *   int domid = vdm.libxl().domainCreate(1);
 *   AttachResult r = vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5);
 *   vdm.trace().contains(Trace.Source.XEN, "ignored BAR");
 * </pre>
 * Every layer's log and every hypercall land in {@link #trace()}, in order.
 */
public final class Vdm {
    private final Host host;
    private final Xen xen;
    private final Dom0Kernel kernel;
    private final Libxl libxl;
    private final Trace trace;
    private final Fixes fixes;

    private Vdm(Host host, Xen xen, Dom0Kernel kernel, Libxl libxl, Trace trace, Fixes fixes) {
        this.host = host;
        this.xen = xen;
        this.kernel = kernel;
        this.libxl = libxl;
        this.trace = trace;
        this.fixes = fixes;
    }

    public Host host() { return host; }
    public Xen xen() { return xen; }
    public Dom0Kernel kernel() { return kernel; }
    public Libxl libxl() { return libxl; }
    public Trace trace() { return trace; }
    public Fixes fixes() { return fixes; }
    public Domain dom0() { return xen.dom0(); }

    /** The built-in default host. */
    public static Builder defaultHost() {
        return new Builder(DefaultHost.description());
    }

    /** A host described in Java ({@code Host.builder()...describe()}). */
    public static Builder host(HostDescription description) {
        return new Builder(Objects.requireNonNull(description, "host description"));
    }

    /** A host JSON file (docs/host-json.md). */
    public static Builder host(Path json) {
        return new Builder(HostLoader.read(json));
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

    public static final class Builder {
        private final HostDescription description;
        private Fixes fixes = Preset.UPSTREAM.fixes();
        private Domain.Kind dom0Kind = Domain.Kind.PVH;
        private int dom0Vcpus = 2;
        private boolean boot = true;
        private boolean tracing = true;
        private boolean invariants = true;

        private Builder(HostDescription description) {
            this.description = description;
        }

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

        /** Whether hypercalls and log lines are recorded in the trace (default true; benchmarks turn it off). */
        public Builder tracing(boolean value) {
            this.tracing = value;
            return this;
        }

        /** Whether the cross-layer invariants are checked after every model step (default true; off for benchmarks). */
        public Builder invariants(boolean value) {
            this.invariants = value;
            return this;
        }

        public Vdm build() {
            ForwardingSink sink = new ForwardingSink();
            Host host = Host.create(description, sink).enumerate(); // firmware programs the bridges
            Trace trace = new Trace(tracing);
            Xen xen = Xen.onHost(fixes.xenConfig(), host);
            sink.xen = xen;
            if (tracing) xen.addHypercallListener((caller, name, args, rc) -> trace.add(Trace.Source.HYPERCALL,
                    rc < 0 ? Trace.Verdict.FAILED : Trace.Verdict.OK, name + " = " + Errno.name(rc), "d" + caller.id() + " " + args, rc));
            if (tracing) xen.log().addListener(e -> trace.add(Trace.Source.XEN,
                    e.level() == XenLog.Level.WARNING || e.level() == XenLog.Level.ERR ? Trace.Verdict.FAILED : Trace.Verdict.INFO,
                    e.line(), "", 0));
            trace.step("boot");
            xen.createDom0(dom0Kind, dom0Vcpus);
            Dom0Kernel kernel = new Dom0Kernel(host, xen, fixes);
            if (tracing) kernel.log().addListener(l -> trace.add(Trace.Source.KERNEL,
                    l.level() == KernelLog.Level.ERR ? Trace.Verdict.FAILED : Trace.Verdict.INFO, l.text(), "", 0));
            Vdm system = new Vdm(host, xen, kernel, new Libxl(xen, kernel, trace), trace, fixes);
            if (invariants && tracing) {
                java.util.Set<String> known = new java.util.HashSet<>();
                kernel.addStepListener(step -> {
                    java.util.Set<String> now = new java.util.HashSet<>();
                    for (Violation v : InvariantMonitor.check(system)) {
                        String key = v.invariant() + "|" + v.where();
                        now.add(key);
                        if (known.add(key)) trace.add(Trace.Source.INVARIANT, Trace.Verdict.FAILED, v.toString(), "after " + step, 0);
                    }
                    known.retainAll(now); // a violation that healed may be reported again if it comes back
                });
            }
            if (boot) kernel.boot();
            return system;
        }
    }
}
