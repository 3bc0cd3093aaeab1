package vdm.explore;

import vdm.system.Machine;
import vdm.dom0.Dom0Kernel;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.pci.layout.BarKind;

/** The model an ordering runs on: a booted model with a guest, the explored device, and whether a restore is owed. */
final class Run {
    private final Machine vdm;
    private final Sbdf device;
    private final int domid;
    private final long barA, barB;
    private boolean needsRestore;

    Run(Machine vdm, Sbdf device) {
        this.vdm = vdm;
        this.device = device;
        this.domid = vdm.libxl().domainCreate(1);
        vdm.kernel().saveState(device); // the driver's probe saves the device's state (pci_save_state)
        PhysicalFunction f = vdm.host().require(device);
        this.barA = f.barAddress(0);
        // The other place: free and aligned in the window BAR0 lives in on this host (none: BAR0 stays where it is).
        this.barB = BarMoveTarget.of(vdm.host(), f, 0).orElse(barA);
    }

    Machine vdm() { return vdm; }
    Sbdf device() { return device; }
    int domid() { return domid; }
    Dom0Kernel kernel() { return vdm.kernel(); }
    Dom0Kernel.Driver driver() { return vdm.kernel().driver(device); }

    boolean needsRestore() { return needsRestore; }
    void needsRestore(boolean v) { needsRestore = v; }

    boolean attached() {
        return vdm.libxl().device(device) != null;
    }

    int gsi() {
        return vdm.host().route(device).map(IntxRoute::gsi).orElse(-1);
    }

    long bar0() {
        return vdm.host().require(device).barAddress(0);
    }

    boolean bar0Is32Bit() {
        PhysicalFunction f = vdm.host().require(device);
        return f.barImplemented(0) && f.barKind(0) == BarKind.MEM32;
    }

    /** True if BAR0 has a second place to move to on this host. */
    boolean bar0Movable() {
        return barB != barA;
    }

    /** The address BAR0 moves to: the other of two. */
    long otherBar0() {
        return bar0() == barB ? barA : barB;
    }

    /** No failure if the device's BAR0 holds {@code address}; else the divergence, named by {@code what}. */
    java.util.List<Failure> bar0Is(long address, String what) {
        long now = bar0();
        if (now == address) return java.util.List.of();
        return java.util.List.of(Failure.diverged(what, String.format("%s to 0x%x, but the device's BAR0 holds 0x%x", what, address, now)));
    }
}
