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
    /** The BAR holding the MSI-X table (-1: none) and its two places. */
    private final int tableBar;
    private final long tableA, tableB;
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
        vdm.pci.cap.MsiX x = null;
        for (vdm.pci.layout.Layout.PlacedCapability c : f.layout().capabilities()) if (c.capability() instanceof vdm.pci.cap.MsiX m) x = m;
        this.tableBar = x == null ? -1 : x.tableBir();
        this.tableA = x == null ? 0 : f.barAddress(tableBar);
        this.tableB = x == null ? 0 : BarMoveTarget.of(vdm.host(), f, tableBar).orElse(tableA);
    }

    /** The BAR that holds the device's MSI-X table, -1 without MSI-X. */
    int tableBar() { return tableBar; }

    boolean tableBarMovable() {
        return tableBar >= 0 && tableB != tableA;
    }

    long otherTableBar() {
        return vdm.host().require(device).barAddress(tableBar) == tableB ? tableA : tableB;
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
        return barIs(0, address, what);
    }

    /** No failure if the device's BAR {@code n} holds {@code address}; else the divergence, named by {@code what}. */
    java.util.List<Failure> barIs(int n, long address, String what) {
        long now = vdm.host().require(device).barAddress(n);
        if (now == address) return java.util.List.of();
        return java.util.List.of(Failure.diverged(what, String.format("%s to 0x%x, but the device's BAR%d holds 0x%x", what, address, n, now)));
    }
}
