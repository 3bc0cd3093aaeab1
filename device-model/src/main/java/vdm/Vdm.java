package vdm;

import java.nio.file.Path;
import java.util.Objects;
import vdm.host.DefaultHost;
import vdm.host.HostDescription;
import vdm.invariants.InvariantMonitor;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.persist.HostJsonReader;
import vdm.persist.Snapshot;
import vdm.system.Machine;
import vdm.xen.Domain;

/**
 * The embedding API: a whole passthrough system in one object, for test harnesses. A {@link Machine} (host, Xen, a
 * booted PVH dom0, libxl, one trace) whose steps the cross-layer invariant monitor watches unless told not to.
 * <pre>
 *   Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
 *   vdm.libxl().pciAssignableAdd(DefaultHost.NIC);
 *   int domid = vdm.libxl().domainCreate(1);
 *   AttachResult r = vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5);
 *   vdm.trace().contains(Trace.Source.XEN, "ignored BAR");
 * </pre>
 * Every layer's log and every hypercall land in {@link #trace()}, in order.
 */
public final class Vdm extends Machine {
    private Vdm(Parts parts) {
        super(parts);
    }

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
        return new Builder(HostJsonReader.read(json));
    }

    /** A fresh system in the state a snapshot document describes (see {@link Snapshot}), watched as a built one. */
    public static Vdm load(String snapshot) {
        return (Vdm) Snapshot.load(snapshot, Vdm::host);
    }

    /** A {@link Machine.Builder} that builds a {@link Vdm}, with the invariant monitor on by default. */
    public static final class Builder extends Machine.Builder {
        private Builder(HostDescription description) {
            super(description);
            monitor(InvariantMonitor.TRACING);
        }

        @Override public Builder preset(Preset preset) { super.preset(preset); return this; }
        @Override public Builder fixes(Fixes fixes) { super.fixes(fixes); return this; }
        @Override public Builder dom0(Domain.Kind kind) { super.dom0(kind); return this; }
        @Override public Builder dom0Vcpus(int n) { super.dom0Vcpus(n); return this; }
        @Override public Builder guestMemory(int mib) { super.guestMemory(mib); return this; }
        @Override public Builder bootDom0(boolean value) { super.bootDom0(value); return this; }
        @Override public Builder tracing(boolean value) { super.tracing(value); return this; }
        @Override public Builder monitor(StepMonitor value) { super.monitor(value); return this; }
        @Override public Builder withoutDom0Driver(java.util.Set<vdm.pci.Sbdf> functions) { super.withoutDom0Driver(functions); return this; }

        /** Whether the cross-layer invariants are checked after every model step (default true; off for benchmarks). */
        public Builder invariants(boolean value) {
            return monitor(value ? InvariantMonitor.TRACING : StepMonitor.NONE);
        }

        @Override
        public Vdm build() {
            return start(new Vdm(assemble()));
        }
    }
}
