package vdm.xen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a domain's local APICs received by MSI: per vector, how many interrupts arrived and the APIC id of the vLAPIC
 * that took the last one, as vmsi_deliver hands them to vlapic_set_irq (xen/arch/x86/hvm/vmsi.c). It also keeps the
 * domain's lowest-priority round-robin cursor (hvm_domain_irq(d)->round_robin_prev_vcpu, vlapic_lowest_prio).
 * Counting is lock-free and allocates nothing: counters are a {@code long[]} updated through a VarHandle.
 */
public final class MsiReceipts {
    public static final int VECTORS = 256;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle PREV;

    static {
        try {
            PREV = MethodHandles.lookup().findVarHandle(MsiReceipts.class, "roundRobinPrev", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] counts = new long[VECTORS];
    private final int[] destinations = new int[VECTORS];
    @SuppressWarnings("unused") // through PREV
    private int roundRobinPrev;

    public MsiReceipts() {
        java.util.Arrays.fill(destinations, -1);
    }

    /** One interrupt on {@code vector} taken by the vLAPIC whose APIC id is {@code apicId} (vlapic_set_irq). */
    void record(int vector, int apicId) {
        // Release: a reader that sees the new count with an acquire load also sees the destination stored before it.
        INTS.setRelease(destinations, vector & 0xff, apicId);
        // Volatile add: several physical CPUs may deliver the same vector at once, and no count may be lost.
        LONGS.getAndAdd(counts, vector & 0xff, 1L);
    }

    /** Interrupts received on {@code vector} (0..255). */
    public long count(int vector) {
        checkVector(vector);
        return (long) LONGS.getAcquire(counts, vector); // acquire: pairs with record's volatile add
    }

    /** The destination APIC id of the last interrupt on {@code vector}, -1 if none arrived. */
    public int destination(int vector) {
        checkVector(vector);
        return (int) INTS.getAcquire(destinations, vector); // acquire: pairs with record's release store
    }

    /** Interrupts received on every vector. */
    public long total() {
        long t = 0;
        for (int v = 0; v < VECTORS; v++) t += (long) LONGS.getAcquire(counts, v); // acquire: as count()
        return t;
    }

    /** The vCPU lowest-priority delivery last chose (vlapic_lowest_prio starts after it). */
    int roundRobinPrev() {
        return (int) PREV.getOpaque(this); // opaque: a hint for fairness, as Xen reads it without a lock
    }

    void roundRobinPrev(int vcpu) {
        PREV.setOpaque(this, vcpu); // opaque: see roundRobinPrev()
    }

    private static void checkVector(int vector) {
        if (vector < 0 || vector >= VECTORS) throw new IllegalArgumentException("MSI vector " + vector + " is not 0..255");
    }

    /** The receipts as a state: counts and last destinations by vector, and the round-robin cursor. */
    public record State(long[] counts, int[] destinations, int roundRobinPrev) {}

    /** A copy, for a snapshot of a quiescent model (plain reads after the caller's ordering). */
    public State capture() {
        long[] c = new long[VECTORS];
        int[] d = new int[VECTORS];
        for (int v = 0; v < VECTORS; v++) {
            c[v] = (long) LONGS.getAcquire(counts, v);
            d[v] = (int) INTS.getAcquire(destinations, v);
        }
        return new State(c, d, roundRobinPrev());
    }

    /** Puts {@link #capture()}'s result back; refuses a state of the wrong shape, changing nothing. */
    public void restore(State s) {
        if (s.counts().length != VECTORS || s.destinations().length != VECTORS) {
            throw new IllegalArgumentException("MSI receipts: " + s.counts().length + " counts and " + s.destinations().length
                    + " destinations saved, " + VECTORS + " vectors expected");
        }
        for (int v = 0; v < VECTORS; v++) {
            LONGS.setRelease(counts, v, s.counts()[v]);
            INTS.setRelease(destinations, v, s.destinations()[v]);
        }
        roundRobinPrev(s.roundRobinPrev());
    }
}
