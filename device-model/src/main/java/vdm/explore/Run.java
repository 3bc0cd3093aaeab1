package vdm.explore;

import vdm.system.Machine;
import vdm.dom0.Dom0Kernel;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.pci.cap.Msi;
import vdm.ioapic.IoApic;
import vdm.ioapic.RedirectionEntry;
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

    /**
     * Another function of the host on the device's GSI that dom0's own driver has and whose INTx is not requested yet
     * (its pin masked in dom0's virtual IO-APIC), the first by SBDF; empty if none.
     */
    java.util.Optional<Sbdf> sharingFunction() {
        int gsi = gsi();
        if (gsi < 0 || vdm.xen().dom0VioApics().isEmpty()) return java.util.Optional.empty();
        for (PhysicalFunction f : vdm.host().functions()) {
            Sbdf s = f.sbdf();
            if (s.equals(device) || vdm.kernel().driver(s) != Dom0Kernel.Driver.NATIVE) continue;
            if (vdm.host().route(s).map(IntxRoute::gsi).orElse(-1) != gsi) continue;
            if (!dom0PinMasked(gsi) || msiEnabled(f)) return java.util.Optional.empty();
            return java.util.Optional.of(s);
        }
        return java.util.Optional.empty();
    }

    /** The function has its MSI enabled (its driver took MSI instead of the line). */
    private static boolean msiEnabled(PhysicalFunction f) {
        for (vdm.pci.layout.Layout.PlacedCapability c : f.layout().capabilities()) {
            if (c.capability() instanceof Msi) return (f.read(c.offset() + Msi.CONTROL, 2) & 1) != 0;
        }
        return false;
    }

    private boolean dom0PinMasked(int gsi) {
        for (IoApic v : vdm.xen().dom0VioApics()) {
            if (gsi >= v.gsiBase() && gsi < v.gsiBase() + v.pins()) return (v.entry(gsi - v.gsiBase()) & RedirectionEntry.MASK) != 0;
        }
        return false;
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
