package vdm.scenario;

import vdm.system.Machine;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.toolstack.XenPtDevice;
import vdm.xen.GuestInterrupts;

/** What a guest does with a passed-through device: size and program its BARs and reach them, take its INTx on a vector. */
public final class GuestOps {
    public static final long GUEST_BAR0 = 0xf000_0000L;
    public static final int VECTOR = 0x51;

    private GuestOps() {}

    /** Programs BAR0 and memory decoding; the machine address the guest's BAR0 reaches, or -1. */
    public static long programBar0(XenPtDevice pt) {
        pt.guestWrite(0x10, 4, (int) GUEST_BAR0);
        pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | 0x6);
        return pt.guest().p2m().translate(GUEST_BAR0);
    }

    /** Where the guest's firmware puts BARs: 32-bit memory from 0xf0000000, 64-bit above 4 GiB, IO from 0xc000 (as hvmloader). */
    static final long GUEST_MMIO32 = 0xf000_0000L, GUEST_MMIO32_END = 0xfc00_0000L, GUEST_MMIO64 = 0x1_0000_0000L;
    static final int GUEST_IO = 0xc000;

    /** The address space a BAR decodes in. */
    public enum Space { MEMORY, IO }

    /**
     * One BAR as the guest programmed it: its index, space, size, the guest address it was given and the machine
     * address a guest access there reaches (the p2m or the guest's IO port ranges), -1 for nothing.
     */
    public record GuestBar(int bar, Space space, long size, long guest, long machine) {}

    /**
     * Sizes every BAR as a guest's firmware does (all ones, read back, the upper half of a 64-bit BAR too), gives each
     * an address aligned to its size, turns on IO and memory decoding as the BARs need, and returns each BAR with the
     * machine address it reaches. A BAR that does not fit the guest's holes is left at 0 and reaches nothing.
     */
    public static java.util.List<GuestBar> programBars(XenPtDevice pt) {
        java.util.List<GuestBar> sized = new java.util.ArrayList<>();
        for (int n = 0; n < 6; n++) {
            int reg = 0x10 + 4 * n;
            pt.guestWrite(reg, 4, -1);
            long v = pt.guestRead(reg, 4) & 0xffff_ffffL;
            if (v == 0) continue;
            if ((v & 1) != 0) {
                sized.add(new GuestBar(n, Space.IO, (~(v & ~3L) + 1) & 0xffff_ffffL, 0, -1));
                continue;
            }
            boolean mem64 = (v & 6) == 4;
            long mask = v & ~0xfL;
            if (mem64) {
                pt.guestWrite(reg + 4, 4, -1);
                mask |= (pt.guestRead(reg + 4, 4) & 0xffff_ffffL) << 32;
            } else {
                mask |= 0xffff_ffff_0000_0000L;
            }
            sized.add(new GuestBar(n, Space.MEMORY, ~mask + 1, mem64 ? 1 : 0, -1));
            if (mem64) n++;
        }
        long mmio32 = GUEST_MMIO32, mmio64 = GUEST_MMIO64, io = GUEST_IO;
        int command = 0;
        java.util.List<GuestBar> placed = new java.util.ArrayList<>();
        for (GuestBar b : sized) {
            int reg = 0x10 + 4 * b.bar();
            long at;
            if (b.space() == Space.IO) {
                at = align(io, b.size());
                if (at + b.size() > 0x1_0000) at = 0; else io = at + b.size();
                command |= 0x1;
            } else if (b.guest() == 1) {
                at = align(mmio64, b.size());
                mmio64 = at + b.size();
                command |= 0x2;
            } else {
                at = align(mmio32, b.size());
                if (at + b.size() > GUEST_MMIO32_END) at = 0; else mmio32 = at + b.size();
                command |= 0x2;
            }
            pt.guestWrite(reg, 4, (int) at);
            if (b.space() == Space.MEMORY && b.guest() == 1) pt.guestWrite(reg + 4, 4, (int) (at >>> 32));
            placed.add(new GuestBar(b.bar(), b.space(), b.size(), at, -1));
        }
        if (command != 0) pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | command | 0x4);
        java.util.List<GuestBar> out = new java.util.ArrayList<>();
        for (GuestBar b : placed) {
            long machine = b.guest() == 0 ? -1 : b.space() == Space.IO
                    ? pt.guest().ioPorts().translate((int) b.guest(), 1)
                    : pt.guest().p2m().translate(b.guest());
            out.add(new GuestBar(b.bar(), b.space(), b.size(), b.guest(), machine));
        }
        return out;
    }

    private static long align(long at, long size) {
        return (at + size - 1) & -size;
    }

    /** True if the device decodes BAR {@code b} at the machine address the guest's access reaches. */
    public static boolean deviceDecodes(Machine vdm, XenPtDevice pt, GuestBar b) {
        PhysicalFunction f = vdm.host().require(pt.hostAddress());
        return b.machine() >= 0 && f.barDecodes(b.bar()) && f.barAddress(b.bar()) == b.machine();
    }

    /** True if the device decodes its BAR0 at {@code machine}. */
    public static boolean deviceDecodes(Machine vdm, XenPtDevice pt, long machine) {
        PhysicalFunction f = vdm.host().require(pt.hostAddress());
        return machine >= 0 && f.barDecodes(0) && f.barAddress(0) == machine;
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
