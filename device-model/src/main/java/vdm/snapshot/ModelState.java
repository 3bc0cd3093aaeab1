package vdm.snapshot;

import vdm.system.Machine;
import vdm.dom0.Dom0State;
import vdm.host.HostState;
import vdm.fingerprint.StateHash;
import vdm.toolstack.ToolstackState;
import vdm.xen.XenState;

/**
 * The whole model's mutable state in memory, layer by layer: what {@code vdm.persist.Snapshot} writes as JSON, and what the
 * ordering explorer forks from. vdm never modifies a captured state, and the arrays its parts return are its own
 (not copied, for the explorer's sake): read them, do not write them. {@link #fingerprint()} is a 128-bit hash over every part
 * in canonical order, so two models with equal fingerprints answer every operation the same way (logs and traces
 * are output, not state, and are left out).
 */
public record ModelState(HostState host, XenState xen, Dom0State dom0, ToolstackState toolstack) {

    /** The model as it is now. */
    public static ModelState capture(Machine vdm) {
        return capture(vdm, null);
    }

    /** The model as it is now, sharing config images with {@code like} (e.g. the state it was reached from) where equal. */
    public static ModelState capture(Machine vdm, ModelState like) {
        return new ModelState(HostState.capture(vdm.host(), like == null ? null : like.host), XenState.capture(vdm.xen()),
                Dom0State.capture(vdm.kernel()), ToolstackState.capture(vdm.libxl()));
    }

    /**
     * Puts {@code vdm} into this state. The state must come from a model of the same host with the same dom0; every
     * part is checked first, so a state that does not fit is refused with an error naming what does not fit, and the
     * model is left as it was.
     */
    public void restore(Machine vdm) {
        if (host.description() != vdm.host().description() && !host.description().equals(vdm.host().description())) {
            throw new IllegalArgumentException("the state is of another host");
        }
        host.check(vdm.host());
        xen.check(vdm.xen());
        dom0.check(vdm.kernel());
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (XenState.DomainState d : xen.domains()) ids.add(d.id());
        toolstack.check(ids);
        xen.restore(vdm.xen());
        dom0.restore(vdm.kernel());
        toolstack.restore(vdm.libxl());
        host.restore(vdm.host()); // last: rebuilding a vPCI header may have sized BARs on the hardware
    }

    public StateHash.Fingerprint fingerprint() {
        StateHash h = new StateHash();
        host.hashInto(h);
        xen.hashInto(h);
        dom0.hashInto(h);
        toolstack.hashInto(h);
        return h.finish();
    }
}
