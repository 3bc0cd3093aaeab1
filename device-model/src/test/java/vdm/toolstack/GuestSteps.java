package vdm.toolstack;

import vdm.Vdm;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.xen.Domain;
import vdm.xen.GuestInterrupts;

/** What a guest does with a passed-through device, for tests: program BAR0, reach it, take its interrupt. */
final class GuestSteps {
    static final long GUEST_BAR0 = 0xf000_0000L;
    static final int VECTOR = 0x51;

    private GuestSteps() {}

    /** The guest programs BAR0 and turns memory decoding on; true if its BAR0 then reaches the device's BAR0. */
    static boolean programBarsAndReach(Vdm vdm, XenPtDevice pt) {
        pt.guestWrite(0x10, 4, (int) GUEST_BAR0);
        pt.guestWrite(0x04, 2, pt.guestRead(0x04, 2) | 0x6);
        Domain g = pt.guest();
        long machine = g.p2m().translate(GUEST_BAR0);
        PhysicalFunction f = vdm.host().require(pt.hostAddress());
        return machine >= 0 && f.barDecodes(0) && f.barAddress(0) == machine;
    }

    /**
     * The guest programs its IO-APIC pin for the device's INTx (vector 0x51, level, active low) and the device raises
     * INTx on its real GSI; returns how many interrupts the guest received on that vector.
     */
    static int takeInterrupt(Vdm vdm, XenPtDevice pt) {
        GuestInterrupts gi = pt.guest().interrupts();
        int guestGsi = GuestInterrupts.intxGsi(pt.guestSlot(), pt.interruptPin() - 1);
        gi.vioapic().setEntry(guestGsi, RedirectionEntry.fixed(VECTOR, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        int before = countVector(gi);
        Sbdf s = pt.hostAddress();
        IntxRoute r = vdm.host().route(s).orElseThrow();
        vdm.host().gsiSpace().assertGsi(r.gsi());
        int got = countVector(gi) - before;
        gi.guestEoi(VECTOR);
        vdm.host().gsiSpace().deassertGsi(r.gsi());
        return got;
    }

    private static int countVector(GuestInterrupts gi) {
        int n = 0;
        for (int i = 0; i < gi.delivered().count(); i++) if (gi.delivered().vector(i) == VECTOR) n++;
        return n;
    }
}
