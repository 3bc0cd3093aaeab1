package vdm.pci.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Atomic access to a configuration space held as an {@code int[]} of dwords. Readers use acquire loads and never
 * block; writers apply the mask formula in a compare-and-set loop, so concurrent writers to different bits of one
 * dword never lose an update, and a write that changes nothing skips the compare-and-set.
 */
public final class Dwords {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private Dwords() {}

    public static int getAcquire(int[] state, int d) {
        return (int) INTS.getAcquire(state, d);
    }

    /**
     * {@code new = (old & ~wm) | (v & wm); new &= ~(v & cm)} on dword {@code d}, atomically.
     * @param wm writable bits within the access lanes
     * @param cm write-1-to-clear bits within the access lanes
     * @return the bits that changed ({@code old ^ new}), 0 if none (then nothing was stored)
     */
    public static int update(int[] state, int d, int wm, int cm, int v) {
        for (;;) {
            int old = (int) INTS.getAcquire(state, d);
            int nw = ((old & ~wm) | (v & wm)) & ~(v & cm);
            if (nw == old) return 0;
            if (INTS.compareAndSet(state, d, old, nw)) return old ^ nw;
        }
    }

    /** Replaces the bits {@code mask} of dword {@code d} with those of {@code v}, atomically (device-side changes). */
    public static void replace(int[] state, int d, int mask, int v) {
        for (;;) {
            int old = (int) INTS.getAcquire(state, d);
            int nw = (old & ~mask) | (v & mask);
            if (nw == old || INTS.compareAndSet(state, d, old, nw)) return;
        }
    }
}
