package vdm.pci.layout;

import java.util.ArrayList;
import java.util.List;

/**
 * The mutable bit map a {@link LayoutBuilder} fills: every bit claimed at most once, with its kind and power-on
 * value, plus the watches that turn changes into effects. Capabilities declare their registers through it.
 */
public final class RegisterMap {
    private final int size;
    final byte[] init;
    final byte[] wmask;
    final byte[] w1cmask;
    final byte[] trigger;
    final byte[] sticky;
    final byte[] constant;
    final byte[] reserved;
    /** Index into {@link #fields} + 1 of the field owning each bit (0 = unclaimed). */
    private final int[] owner;
    final List<Field> fields = new ArrayList<>();
    final List<Watch> watches = new ArrayList<>();

    RegisterMap(int size) {
        this.size = size;
        init = new byte[size];
        wmask = new byte[size];
        w1cmask = new byte[size];
        trigger = new byte[size];
        sticky = new byte[size];
        constant = new byte[size];
        reserved = new byte[size];
        owner = new int[size * 8];
    }

    public int size() {
        return size;
    }

    /**
     * Declares the bits {@code mask} of the {@code width}-byte register at {@code offset} as {@code kind} with
     * power-on {@code value}. Fails naming both owners if any bit is already claimed.
     */
    public void declare(String owner, String name, int offset, int width, BitKind kind, int mask, int value) {
        if (width != 1 && width != 2 && width != 4) {
            throw new LayoutException(owner + "." + name + ": width " + width + " must be 1, 2 or 4");
        }
        if (offset < 0 || offset + width > size || (offset & (width - 1)) != 0) {
            throw new LayoutException(String.format("%s.%s: register at 0x%x width %d is outside the %d-byte space "
                    + "or not naturally aligned", owner, name, offset, width, size));
        }
        int widthMask = width == 4 ? -1 : (1 << (width * 8)) - 1;
        if ((mask & ~widthMask) != 0) {
            throw new LayoutException(String.format("%s.%s: mask 0x%x is wider than %d bytes", owner, name, mask, width));
        }
        if ((value & ~mask) != 0 && !kind.readsZero()) {
            throw new LayoutException(String.format("%s.%s: value 0x%x sets bits outside mask 0x%x", owner, name,
                    value, mask));
        }
        for (int bit = 0; bit < width * 8; bit++) {
            if ((mask >>> bit & 1) == 0) continue;
            int index = (offset + bit / 8) * 8 + bit % 8;
            if (this.owner[index] != 0) {
                Field other = fields.get(this.owner[index] - 1);
                throw new LayoutException(String.format("%s.%s overlaps %s.%s at offset 0x%x bit %d", owner, name,
                        other.owner(), other.name(), offset + bit / 8, bit % 8));
            }
        }
        Field field = new Field(owner, name, offset, width, kind, mask, kind.readsZero() ? 0 : value);
        fields.add(field);
        int id = fields.size();
        for (int i = 0; i < width; i++) {
            int m = (mask >>> (8 * i)) & 0xff;
            if (m == 0) continue;
            int b = offset + i;
            for (int bit = 0; bit < 8; bit++) {
                if ((m >>> bit & 1) != 0) this.owner[b * 8 + bit] = id;
            }
            int v = kind.readsZero() ? 0 : (value >>> (8 * i)) & m;
            init[b] |= (byte) v;
            if (kind.writable) wmask[b] |= (byte) m;
            if (kind.w1c) w1cmask[b] |= (byte) m;
            if (kind.sticky) sticky[b] |= (byte) m;
            if (kind == BitKind.CONST) constant[b] |= (byte) m;
            if (kind == BitKind.RSVDP || kind == BitKind.RSVDZ) reserved[b] |= (byte) m;
            if (kind == BitKind.TRIGGER) trigger[b] |= (byte) m;
        }
    }

    /** Declares a whole register of one kind. */
    public void declare(String owner, String name, int offset, int width, BitKind kind, int value) {
        declare(owner, name, offset, width, kind, width == 4 ? -1 : (1 << (width * 8)) - 1, value);
    }

    /** Reports {@code effect} when any of {@code mask}'s bits of the register at {@code offset} change. */
    public void watch(int offset, int width, int mask, int effect) {
        addWatch(offset, width, mask, effect, false);
    }

    /** Reports {@code effect} when any of {@code mask}'s bits are written 1 (for {@link BitKind#TRIGGER} bits). */
    public void watchTrigger(int offset, int width, int mask, int effect) {
        addWatch(offset, width, mask, effect, true);
    }

    private void addWatch(int offset, int width, int mask, int effect, boolean trigger) {
        if ((offset & 3) + width > 4) {
            throw new LayoutException(String.format("watch at 0x%x width %d crosses a dword", offset, width));
        }
        int shift = (offset & 3) * 8;
        watches.add(new Watch(offset >>> 2, mask << shift, effect, trigger));
    }

    /** True if any bit of bytes [from, to) is claimed. */
    public boolean claimed(int from, int to) {
        for (int i = from * 8; i < to * 8; i++) {
            if (owner[i] != 0) return true;
        }
        return false;
    }
}
