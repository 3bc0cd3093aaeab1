package vdm.pci.engine;

import java.util.Arrays;

import vdm.pci.Access;
import vdm.pci.ResetKind;
import vdm.pci.layout.Layout;

/**
 * The state and the non-dispatching operations shared by the dword engines (table and compiled): an {@code int[]}
 * of dwords read with acquire loads, reset and poke through compare-and-set. Subclasses supply {@link #write}.
 */
public abstract class DwordConfigSpace implements ConfigSpace {
    protected final Layout layout;
    protected final int[] state;
    private final int dwords;

    /** The state is per device; the masks, the fixed bits included, are the layout's and shared. */
    protected DwordConfigSpace(Layout layout) {
        this.layout = layout;
        this.state = layout.initialDwords();
        this.dwords = state.length;
    }

    @Override
    public final int read(int offset, int size) {
        Access.check(offset, size);
        int d = offset >>> 2;
        int ones = Access.ones(size);
        if (d >= dwords) return ones;
        return (Dwords.getAcquire(state, d) >>> ((offset & 3) << 3)) & ones;
    }

    @Override
    public final int size() {
        return dwords << 2;
    }

    @Override
    public final Layout layout() {
        return layout;
    }

    @Override
    public final void reset(ResetKind kind) {
        if (kind == null) throw new IllegalArgumentException("reset kind is missing");
        if (kind == ResetKind.D3HOT_TO_D0 && layout.noSoftReset()) return; // PM 1.2: No_Soft_Reset keeps the state
        for (int d = 0; d < dwords; d++) {
            int keep = kind == ResetKind.COLD ? 0 : layout.stickyMaskDword(d);
            Dwords.replace(state, d, ~keep, layout.initialDword(d));
        }
    }

    @Override
    public final void poke(int offset, int size, int value) {
        Access.check(offset, size);
        int d = offset >>> 2;
        if (d >= dwords) return;
        int shift = (offset & 3) << 3;
        Dwords.replace(state, d, Access.laneMask(offset, size) & ~layout.fixedMaskDword(d), value << shift);
    }

    /**
     * A copy of every dword with plain (vectorized) reads. Memory order: a bulk copy cannot be atomic over the space,
     * so it is meant for a quiescent function (a snapshot, a state restore): the caller must already be ordered after
     * the last writer (same thread, or a lock or join between them). Each dword is written whole by a
     * compare-and-set, so a racing copy still sees no torn dword, only possibly an older one.
     */
    @Override
    public final int[] dwords() {
        return state.clone();
    }

    /** Whether the space holds exactly {@code words}; plain reads, for a quiescent function as {@link #dwords}. */
    @Override
    public final boolean holds(int[] words) {
        return Arrays.equals(state, words);
    }

    /**
     * As poke on every dword, but only the dwords that differ are touched (found with a vectorized mismatch): a
     * restore usually changes a few registers of a 4 KiB space.
     */
    @Override
    public final void restoreDwords(int[] words) {
        Access.checkDwords(size(), words);
        // Plain mismatch scans find the dwords to change (a quiescent function, as for dwords()); each change is a
        // compare-and-set, so a concurrent writer's bits are never lost, only raced.
        for (int d = Arrays.mismatch(state, words); d >= 0; ) {
            Dwords.replace(state, d, ~layout.fixedMaskDword(d), words[d]);
            if (++d >= dwords) break;
            int m = Arrays.mismatch(state, d, dwords, words, d, dwords);
            if (m < 0) break;
            d += m;
        }
    }

    @Override
    public final byte[] bytes() {
        byte[] out = new byte[dwords << 2];
        for (int d = 0; d < dwords; d++) {
            int v = Dwords.getAcquire(state, d);
            out[4 * d] = (byte) v;
            out[4 * d + 1] = (byte) (v >>> 8);
            out[4 * d + 2] = (byte) (v >>> 16);
            out[4 * d + 3] = (byte) (v >>> 24);
        }
        return out;
    }
}
