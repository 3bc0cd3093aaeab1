package vdm.xen;

import java.util.Arrays;

/**
 * A domain's pirq space (Xen's struct pirq / d->arch.pirq_irq): which Xen irq each pirq maps, the reverse map, and
 * whether an event channel is bound. Xen irqs for IO-APIC sources equal their GSI; MSI irqs come after the GSIs.
 */
public final class PirqTable {
    public enum Type { NONE, GSI, MSI }

    private final int[] pirqToIrq;
    private final Type[] type;
    private final boolean[] bound;
    private final int[] irqToPirq;
    /** The mapped pirqs: a domain maps a handful of 1024, and captures walk only these. */
    private final java.util.BitSet mapped = new java.util.BitSet();

    PirqTable(int nrPirqs, int nrIrqs) {
        pirqToIrq = new int[nrPirqs];
        type = new Type[nrPirqs];
        Arrays.fill(type, Type.NONE);
        bound = new boolean[nrPirqs];
        irqToPirq = new int[nrIrqs];
    }

    public int size() {
        return pirqToIrq.length;
    }

    /** The irq a pirq maps, 0 if none (Xen's domain_pirq_to_irq). */
    public synchronized int irq(int pirq) {
        return pirq > 0 && pirq < pirqToIrq.length ? pirqToIrq[pirq] : 0;
    }

    /** The pirq an irq is mapped to, 0 if none (Xen's domain_irq_to_pirq). */
    public synchronized int pirq(int irq) {
        return irq > 0 && irq < irqToPirq.length ? irqToPirq[irq] : 0;
    }

    public synchronized Type type(int pirq) {
        return pirq > 0 && pirq < type.length ? type[pirq] : Type.NONE;
    }

    public synchronized boolean bound(int pirq) {
        return pirq > 0 && pirq < bound.length && bound[pirq];
    }

    /** Lowest free pirq at or above {@code from} (Xen's get_free_pirq starts GSIs at 16), or -1. */
    synchronized int free(int from, int to) {
        for (int p = Math.max(from, 1); p < Math.min(to, pirqToIrq.length); p++) {
            if (pirqToIrq[p] == 0) return p;
        }
        return -1;
    }

    synchronized void map(int pirq, int irq, Type t) {
        pirqToIrq[pirq] = irq;
        irqToPirq[irq] = pirq;
        type[pirq] = t;
        if (irq != 0) mapped.set(pirq); else mapped.clear(pirq);
    }

    synchronized void unmap(int pirq) {
        int irq = pirqToIrq[pirq];
        if (irq > 0 && irq < irqToPirq.length && irqToPirq[irq] == pirq) irqToPirq[irq] = 0;
        pirqToIrq[pirq] = 0;
        type[pirq] = Type.NONE;
        bound[pirq] = false;
        mapped.clear(pirq);
    }

    synchronized void bind(int pirq, boolean value) {
        bound[pirq] = value;
    }

    /** Empties the table (a snapshot load fills it again). */
    synchronized void clear() {
        java.util.Arrays.fill(pirqToIrq, 0);
        java.util.Arrays.fill(irqToPirq, 0);
        java.util.Arrays.fill(type, Type.NONE);
        java.util.Arrays.fill(bound, false);
        mapped.clear();
    }

    /**
     * One mapped pirq: the Xen irq it maps (domain_pirq_to_irq), how it was mapped (a GSI or an MSI) and whether an
     * event channel is bound to it.
     */
    public record Mapping(int pirq, int irq, Type type, boolean bound) {}

    /** Every mapped pirq, by pirq: what a state capture saves and what the invariants compare with the other layers. */
    public synchronized Mapping[] mappings() {
        Mapping[] out = new Mapping[mapped.cardinality()];
        int k = 0;
        for (int p = mapped.nextSetBit(0); p >= 0; p = mapped.nextSetBit(p + 1)) out[k++] = new Mapping(p, pirqToIrq[p], type[p], bound[p]);
        return out;
    }

    /** Replaces the table's contents with {@link #mappings()}' result (a state restore; the caller checked ranges). */
    synchronized void restore(Mapping[] saved) {
        for (int p = mapped.nextSetBit(0); p >= 0; p = mapped.nextSetBit(p + 1)) unmap(p);
        for (Mapping m : saved) {
            map(m.pirq(), m.irq(), m.type());
            bound[m.pirq()] = m.bound();
        }
    }
}
