package vdm.pci.engine;

import vdm.pci.Access;
import vdm.pci.ResetKind;
import vdm.pci.layout.Layout;

/**
 * The reference engine: a byte array, per-byte masks and QEMU's formula applied byte by byte
 * ({@code cfg = (cfg & ~wmask) | (val & wmask); cfg &= ~(val & w1cmask)}). Simple enough to trust; the other engines
 * are tested against it. Synchronized: it is for correctness, not speed.
 */
public final class ReferenceConfigSpace implements ConfigSpace {
    private final Layout layout;
    private final byte[] cfg;
    private final byte[] wmask;
    private final byte[] w1cmask;
    private final byte[] trigger;
    private final byte[] sticky;
    private final byte[] fixed;
    private final byte[] init;

    public ReferenceConfigSpace(Layout layout) {
        this.layout = layout;
        this.init = layout.initialBytes();
        this.cfg = init.clone();
        this.wmask = layout.writeMask();
        this.w1cmask = layout.w1cMask();
        this.trigger = layout.triggerMask();
        this.sticky = layout.stickyMask();
        byte[] c = layout.constantMask();
        byte[] r = layout.reservedMask();
        this.fixed = new byte[c.length];
        for (int i = 0; i < c.length; i++) fixed[i] = (byte) (c[i] | r[i] | trigger[i]);
    }

    @Override
    public synchronized int read(int offset, int size) {
        Access.check(offset, size);
        if (offset >= cfg.length) return Access.ones(size);
        int v = 0;
        for (int i = 0; i < size; i++) v |= (cfg[offset + i] & 0xff) << (8 * i);
        return v;
    }

    @Override
    public synchronized int write(int offset, int size, int value) {
        Access.check(offset, size);
        if (offset >= cfg.length) return 0;
        int base = offset & ~3;
        int before = dword(base);
        int triggered = 0;
        for (int i = 0; i < size; i++) {
            int b = offset + i;
            int val = (value >>> (8 * i)) & 0xff;
            int c = cfg[b] & 0xff;
            c = (c & ~wmask[b]) | (val & wmask[b]);
            c &= ~(val & w1cmask[b]);
            cfg[b] = (byte) c;
            triggered |= (val & trigger[b]) << (8 * (b - base));
        }
        int after = dword(base);
        int shift = (offset & 3) * 8;
        int written = (value & Access.ones(size)) << shift;
        if (before == after && triggered == 0) return 0;
        return layout.effects(base >>> 2, before ^ after, written);
    }

    private int dword(int base) {
        return (cfg[base] & 0xff) | (cfg[base + 1] & 0xff) << 8 | (cfg[base + 2] & 0xff) << 16 | (cfg[base + 3] & 0xff) << 24;
    }

    @Override
    public int size() {
        return cfg.length;
    }

    @Override
    public Layout layout() {
        return layout;
    }

    @Override
    public synchronized void reset(ResetKind kind) {
        if (kind == null) throw new IllegalArgumentException("reset kind is missing");
        if (kind == ResetKind.D3HOT_TO_D0 && layout.noSoftReset()) return;
        for (int i = 0; i < cfg.length; i++) {
            int keep = kind == ResetKind.COLD ? 0 : sticky[i];
            cfg[i] = (byte) ((cfg[i] & keep) | (init[i] & ~keep));
        }
    }

    @Override
    public synchronized void poke(int offset, int size, int value) {
        Access.check(offset, size);
        if (offset >= cfg.length) return;
        for (int i = 0; i < size; i++) {
            int b = offset + i;
            int free = ~fixed[b] & 0xff;
            cfg[b] = (byte) ((cfg[b] & ~free) | ((value >>> (8 * i)) & free));
        }
    }

    @Override
    public synchronized byte[] bytes() {
        return cfg.clone();
    }
}
