package vdm.scenario;

import vdm.system.Machine;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.toolstack.XenPtDevice;
import vdm.xen.GuestInterrupts;

/** What a guest does with a passed-through device: program BAR0 and reach it, take its INTx on a vector. */
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
