package vdm.xen;

import vdm.log.Level;
import java.util.BitSet;
import vdm.errno.Errno;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;

/**
 * Xen's bookkeeping of the physical IO-APICs (mp_ioapic_routing and the irq descriptors of GSIs): which pins are
 * programmed, and mp_register_gsi, which programs one. Xen irq numbers of IO-APIC sources equal their GSI.
 */
public final class IoApicRouting {
    private final GsiSpace physical;
    private final int sciGsi;
    private final BitSet programmed = new BitSet();
    private final XenLog log;
    private int nextVector = 0x30;

    public IoApicRouting(GsiSpace physical, int sciGsi, XenLog log) {
        this.physical = physical;
        this.sciGsi = sciGsi;
        this.log = log;
    }

    public GsiSpace physical() { return physical; }
    public int sciGsi() { return sciGsi; }

    /** nr_irqs_gsi: one past the highest GSI an IO-APIC serves. */
    public int gsiLimit() {
        return physical.gsiLimit();
    }

    synchronized int nextVector() {
        return nextVector;
    }

    /** Puts the set-up GSIs and the vector cursor back (a snapshot load; the pins' entries are restored apart). */
    synchronized void restore(BitSet gsis, int vector) {
        programmed.clear();
        programmed.or(gsis);
        nextVector = vector;
    }

    public synchronized boolean programmed(int gsi) {
        return programmed.get(gsi);
    }

    /** The programmed GSIs, as a copy. */
    public synchronized BitSet programmedGsis() {
        return (BitSet) programmed.clone();
    }

    /**
     * mp_register_gsi: {@code -EINVAL} with "No IOAPIC for GSI %u" when no IO-APIC serves it, {@code -EEXIST} when the
     * pin is already programmed (callers treat it as success). Otherwise programs the pin (vector, trigger,
     * polarity; masked until something binds it) and returns 0.
     */
    public synchronized int registerGsi(int gsi, boolean level, boolean activeLow) {
        if (gsi < 0 || !physical.serves(gsi)) {
            log.log(-1, Level.WARNING, String.format("No IOAPIC for GSI %d", gsi));
            return -Errno.EINVAL;
        }
        if (programmed.get(gsi)) return -Errno.EEXIST;
        IoApic ioApic = physical.ioApic(gsi);
        int pin = physical.pin(gsi);
        long entry = RedirectionEntry.fixed(nextVector, level ? TriggerMode.LEVEL : TriggerMode.EDGE,
                activeLow ? Polarity.ACTIVE_LOW : Polarity.ACTIVE_HIGH, 0) | RedirectionEntry.MASK;
        nextVector = nextVector >= 0xef ? 0x30 : nextVector + 1;
        ioApic.setEntry(pin, entry);
        programmed.set(gsi);
        return 0;
    }
}
