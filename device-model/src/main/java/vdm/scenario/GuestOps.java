package vdm.scenario;

import vdm.system.Machine;
import vdm.host.IntxRoute;
import vdm.model.Fix;
import vdm.host.PhysicalFunction;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import java.util.ArrayList;
import java.util.List;
import vdm.toolstack.XenPtDevice;
import vdm.xen.GuestInterrupts;

/** What a guest does with a passed-through device: program its BARs as its firmware does and reach them, take its INTx on a vector. */
public final class GuestOps {
    public static final int VECTOR = 0x51;
    private static final int COMMAND_IO = 0x1, COMMAND_MEMORY = 0x2, COMMAND_MASTER = 0x4;

    private GuestOps() {}

    /**
     * The guest's firmware sets the device up as hvmloader's pci_setup does, every BAR and the ROM at the address
     * {@link GuestBarPlan} gives it on this guest's bus, in the plan's order (largest first), a 64-bit BAR's high half
     * written only when it was placed above 4 GiB ({@code if (using_64bar)}). When decoding goes on is
     * hvmloader-decode-last (Xen a8e0c228c7): with it, COMMAND's memory and I/O bits are cleared first and set once for
     * all the function's BARs, with bus mastering, after the last one; without it (hvmloader before 4.14) bus mastering
     * goes on first and each BAR's decoding right after that BAR is written ("Now enable the memory or I/O mapping"), so
     * once one BAR is decoded, writing the low half of a 64-bit BAR placed above 4 GiB makes QEMU map the BAR at that
     * 32-bit address until the high half follows. Returns the plan.
     */
    public static GuestBarPlan programBars(Machine vdm, XenPtDevice pt) {
        boolean decodeLast = vdm.fixes().on(Fix.HVMLOADER_DECODE_LAST);
        int cmd = pt.guestRead(0x04, 2);
        pt.guestWrite(0x04, 2, decodeLast ? cmd & ~(COMMAND_MEMORY | COMMAND_IO) : cmd | COMMAND_MASTER);
        GuestBarPlan plan = GuestBarPlan.forGuest(vdm.libxl().devices(pt.guest().id()));
        int decode = COMMAND_MASTER;
        for (GuestBarPlan.Placement p : plan.of(pt.guestSlot() << 3)) {
            if (!p.placed()) continue;
            int reg = p.bar() == 6 ? 0x30 : 0x10 + 4 * p.bar();
            int type = p.bar() == 6 ? 0 : pt.guestRead(reg, 4) & (p.space() == GuestBarPlan.Space.IO ? 0x3 : 0xf);
            pt.guestWrite(reg, 4, (int) p.address() | type);
            if (p.space() == GuestBarPlan.Space.MEMORY_HIGH) pt.guestWrite(reg + 4, 4, (int) (p.address() >>> 32));
            int bit = p.space() == GuestBarPlan.Space.IO ? COMMAND_IO : COMMAND_MEMORY;
            if (decodeLast) decode |= bit;
            else pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | bit);
        }
        if (decodeLast) pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | decode);
        return plan;
    }

    /** The address the plan gave the device's BAR0 in its guest; 0 if BAR0 got none. */
    public static long guestBar0(GuestBarPlan plan, XenPtDevice pt) {
        return plan.of(pt.guestSlot() << 3).stream().filter(p -> p.bar() == 0).mapToLong(GuestBarPlan.Placement::address).findFirst().orElse(0);
    }

    /**
     * Programs the device as the firmware does ({@link #programBars}); the machine address (or port) the guest's BAR0
     * reaches ({@link #reached}, memory or IO), or -1.
     */
    public static long programBar0(Machine vdm, XenPtDevice pt) {
        return reached(programBars(vdm, pt), pt).stream().filter(b -> b.bar() == 0).mapToLong(GuestBar::machine).findFirst().orElse(-1);
    }

    /**
     * One BAR as the guest programmed it: its index, space, size, the guest address it was given and the machine
     * address a guest access there reaches (the p2m for memory, the guest's IO port ranges for IO), -1 for nothing.
     */
    public record GuestBar(int bar, GuestBarPlan.Space space, long size, long guest, long machine) {}

    /**
     * Each BAR (not the ROM) the plan placed for this device, with the machine address a guest access at its guest
     * address reaches. Empty for a device with no BARs.
     */
    public static List<GuestBar> reached(GuestBarPlan plan, XenPtDevice pt) {
        List<GuestBar> out = new ArrayList<>();
        for (GuestBarPlan.Placement p : plan.of(pt.guestSlot() << 3)) {
            if (p.bar() == 6) continue;
            long machine = !p.placed() ? -1 : p.space() == GuestBarPlan.Space.IO
                    ? pt.guest().ioPorts().translate((int) p.address(), 1)
                    : memoryReached(pt, p);
            out.add(new GuestBar(p.bar(), p.space(), p.size(), p.address(), machine));
        }
        return out;
    }

    /**
     * Where the guest's memory BAR reaches the machine: the p2m at the BAR's first page QEMU maps (past its MSI-X table
     * region when the table opens the BAR), less that offset; -1 if nothing (or all of it is QEMU's table region).
     */
    private static long memoryReached(XenPtDevice pt, GuestBarPlan.Placement p) {
        long off = pt.firstMappedOffset(p.bar());
        if (off < 0) return -1;
        long m = pt.guest().p2m().translate(p.address() + off);
        return m < 0 ? -1 : m - off;
    }

    /** True if QEMU's MSI-X table region covers the whole memory BAR: the guest reaches QEMU there, never the device. */
    public static boolean reachesQemusTable(XenPtDevice pt, GuestBar b) {
        return b.space() != GuestBarPlan.Space.IO && pt.firstMappedOffset(b.bar()) < 0;
    }

    /** True if the device decodes BAR {@code b} at the machine address the guest's access reaches. */
    public static boolean deviceDecodes(Machine vdm, XenPtDevice pt, GuestBar b) {
        PhysicalFunction f = vdm.host().require(pt.hostAddress());
        return b.machine() >= 0 && f.barDecodes(b.bar()) && f.barAddress(b.bar()) == b.machine();
    }

    /**
     * Programs the guest IO-APIC pin of the device's INTx (vector 0x51, level, active low), raises the device's
     * INTx on its real GSI, and returns how many deliveries reached that guest pin meanwhile; then the device lowers the line
     * and the guest EOIs.
     */
    public static int takeInterrupt(Machine vdm, XenPtDevice pt) {
        GuestInterrupts gi = pt.guest().interrupts();
        int guestGsi = GuestInterrupts.intxGsi(pt.guestSlot(), pt.interruptPin() - 1);
        gi.vioapic().setEntry(guestGsi, RedirectionEntry.fixed(VECTOR, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        long before = gi.delivered().count(guestGsi);
        IntxRoute r = vdm.host().route(pt.hostAddress()).orElseThrow();
        vdm.host().gsiSpace().assertGsi(r.gsi());
        int got = (int) (gi.delivered().count(guestGsi) - before);
        // The guest's handler services the device, which lowers INTx, and then EOIs (the order a driver follows).
        vdm.host().gsiSpace().deassertGsi(r.gsi());
        gi.guestEoi(VECTOR);
        return got;
    }
}
