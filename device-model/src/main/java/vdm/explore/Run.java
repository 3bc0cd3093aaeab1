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

/**
 * The model an ordering runs on: a booted model with its guests, the explored devices, and which one owes a restore.
 * An {@link Op} focuses the run on its device and guest ({@link #focus}) before its kind runs, so a kind's body reads
 * {@link #device()} and {@link #domid()} as "the device and guest this operation is about".
 */
final class Run {
    /** A device's two places for BAR0 and for the BAR holding its MSI-X table (-1: none), found once at boot. */
    private record Slot(long barA, long barB, int tableBar, long tableA, long tableB) {}

    private final Machine vdm;
    private final java.util.List<Sbdf> devices;
    private final java.util.Map<Sbdf, Slot> slots = new java.util.HashMap<>();
    private final int[] domids;
    private final boolean pruneGuests;
    private Sbdf device;
    private int guest;
    private Slot slot;
    /** The device a restore is owed to (the one reset last) as {@link #owed()} numbers it; put back by {@link #owed(int)}. */
    private int owed;

    Run(Machine vdm, Sbdf device) {
        this(vdm, Setting.of(device));
    }

    /** A run over the setting's devices (the first is the one unparametrised operations act on) and guests. */
    Run(Machine vdm, Setting setting) {
        this.vdm = vdm;
        this.devices = setting.devices();
        this.pruneGuests = setting.guestSymmetry();
        this.domids = new int[setting.guests()];
        for (int g = 0; g < domids.length; g++) domids[g] = vdm.libxl().domainCreate(1);
        // The places BARs move to, each device's chosen free of those chosen for the devices before it (the first's as of old).
        java.util.List<long[]> taken = new java.util.ArrayList<>();
        for (Sbdf d : this.devices) {
            PhysicalFunction f = vdm.host().function(d).orElseThrow(() -> new IllegalArgumentException("the host has no function " + d));
            vdm.kernel().saveState(d); // the driver's probe saves the device's state (pci_save_state)
            long barA = f.barAddress(0);
            // The other place: free and aligned in the window BAR0 lives in on this host (none: BAR0 stays where it is).
            long barB = BarMoveTarget.of(vdm.host(), f, 0, taken).orElse(barA);
            vdm.pci.cap.MsiX x = null;
            for (vdm.pci.layout.Layout.PlacedCapability c : f.layout().capabilities()) if (c.capability() instanceof vdm.pci.cap.MsiX m) x = m;
            int tableBar = x == null ? -1 : x.tableBir();
            long tableA = x == null ? 0 : f.barAddress(tableBar);
            long tableB = x == null ? 0 : BarMoveTarget.of(vdm.host(), f, tableBar, taken).orElse(tableA);
            if (barB != barA) taken.add(new long[] {barB, barB + f.barSize(0)});
            if (x != null && tableB != tableA) taken.add(new long[] {tableB, tableB + f.barSize(tableBar)});
            slots.put(d, new Slot(barA, barB, tableBar, tableA, tableB));
        }
        focus(null, 0);
    }

    /** The explored devices, the first the one unparametrised operations act on. */
    java.util.List<Sbdf> devices() { return devices; }

    int guests() { return domids.length; }

    /** Points the run at an operation's device (null: the first) and guest (0: the one holding the device, else the first). */
    void focus(Sbdf d, int g) {
        device = d == null ? devices.getFirst() : d;
        guest = g;
        slot = slots.get(device);
        if (slot == null) throw new IllegalArgumentException("operation on " + device + ", which is not one of the explored devices " + devices);
    }

    /** The BAR that holds the device's MSI-X table, -1 without MSI-X. */
    int tableBar() { return slot.tableBar(); }

    boolean tableBarMovable() {
        return slot.tableBar() >= 0 && slot.tableB() != slot.tableA();
    }

    long otherTableBar() {
        return vdm.host().require(device).barAddress(slot.tableBar()) == slot.tableB() ? slot.tableA() : slot.tableB();
    }

    Machine vdm() { return vdm; }
    Sbdf device() { return device; }
    /** The focused guest's domid: the operation's own guest, else the guest holding the device, else the first. */
    int domid() {
        if (guest > 0) return domids[guest - 1];
        vdm.toolstack.XenPtDevice pt = vdm.libxl().device(device);
        return pt == null ? domids[0] : pt.guest().id();
    }

    /** The device is attached to the focused guest. */
    boolean heldByGuest() {
        vdm.toolstack.XenPtDevice pt = vdm.libxl().device(device);
        return pt != null && pt.guest().id() == domid();
    }

    /**
     * Whether a guest-naming operation may name guest {@code g}. Guests that hold no device, no iomem or irq permission
     * and no pirq are interchangeable (they differ only in their domid), so of those only the lowest-numbered is offered:
     * what is found by attaching to or mapping into another blank guest is found on it, renamed.
     */
    boolean offered(int g) {
        if (!pruneGuests || !blank(g)) return true;
        for (int h = 1; h < g; h++) if (blank(h)) return false;
        return true;
    }

    private boolean blank(int g) {
        int id = domids[g - 1];
        vdm.xen.Domain d = vdm.xen().domain(id);
        return vdm.libxl().devices(id).isEmpty() && d.iomem().isEmpty() && d.irqCaps().isEmpty() && d.pirqs().mappings().length == 0;
    }

    Dom0Kernel kernel() { return vdm.kernel(); }
    Dom0Kernel.Driver driver() { return vdm.kernel().driver(device); }

    boolean needsRestore() { return owed != 0; }

    /**
     * Which device a restore is owed to: 0 for none, else 1 + its index in the setting's devices. A state does not say
     * which device was reset (a dropped restore leaves another device looking reset too), so the search keeps this
     * beside each state it stores ({@link Frontier}) and puts it back with the state ({@link #owed(int)}).
     */
    int owed() {
        return owed;
    }

    /** Puts back what {@link #owed()} said of the state the model was just put into. */
    void owed(int code) {
        if (code < 0 || code > devices.size()) throw new IllegalArgumentException("owed restore " + code + " names no device of " + devices);
        owed = code;
    }

    /** The restore owed was done (pci_restore_state). */
    void restored() {
        owed = 0;
    }

    /** A reset of the focused device begins: it owes the restore. */
    void resetBegins() {
        owed = devices.indexOf(device) + 1; // focus() admits only the setting's devices
    }

    /** The focused device is the one a restore is owed to. */
    boolean owesRestore() {
        return owed != 0 && devices.get(owed - 1).equals(device);
    }

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

    /** True if BAR0 has a second place to move to on this host. */
    boolean bar0Movable() {
        return slot.barB() != slot.barA();
    }

    /** The address BAR0 moves to: the other of two. */
    long otherBar0() {
        return bar0() == slot.barB() ? slot.barA() : slot.barB();
    }

    /**
     * The device's GSI is set up for dom0's own driver and not requested yet: its pin masked in dom0's virtual
     * IO-APIC and its MSI not taken instead (what {@link #sharingFunction} asks of another function).
     */
    boolean lineUnrequested(Sbdf d) {
        int gsi = vdm.host().route(d).map(IntxRoute::gsi).orElse(-1);
        return gsi >= 0 && !vdm.xen().dom0VioApics().isEmpty() && dom0PinMasked(gsi) && !msiEnabled(vdm.host().require(d));
    }

    long bar0() {
        return vdm.host().require(device).barAddress(0);
    }

    boolean bar0Is64Bit() {
        PhysicalFunction f = vdm.host().require(device);
        return f.barImplemented(0) && f.barKind(0) == BarKind.MEM64;
    }

    boolean bar0Is32Bit() {
        PhysicalFunction f = vdm.host().require(device);
        return f.barImplemented(0) && f.barKind(0) == BarKind.MEM32;
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
