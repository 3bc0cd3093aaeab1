package vdm.host;

import java.util.Arrays;

/**
 * The device registers of a function's memory BARs outside its MSI-X table and PBA, as plain storage: what was
 * written reads back, anything never written reads 0, a reset clears it. vdm models no device's register semantics
 * (a NIC's or GPU's registers only need to be there, sharing pages with the table as on real parts). Sparse: an
 * open-addressing map from (BAR, QWORD index) to the QWORD, so a 256 MiB BAR costs what was written. A read allocates
 * nothing; a write allocates only when the map grows.
 */
final class BarRegisters {
    private static final long EMPTY = -1L; // no key has every bit set: the BAR number is at most 5
    private long[] keys = new long[16];
    private long[] values = new long[16];
    private int count;

    BarRegisters() {
        Arrays.fill(keys, EMPTY);
    }

    /** Bytes {@code offset .. offset + size - 1} of BAR {@code bar}, little-endian (an access may cross QWORDs). */
    long read(int bar, long offset, int size) {
        int shift = (int) (offset & 7) << 3;
        if ((offset & 7) + size <= 8) return (qword(bar, offset >>> 3) >>> shift) & ones(size);
        long out = 0;
        for (int i = 0; i < size; i++) out |= ((qword(bar, (offset + i) >>> 3) >>> (((offset + i) & 7) << 3)) & 0xff) << (8 * i);
        return out;
    }

    void write(int bar, long offset, int size, long value) {
        for (int i = 0; i < size; ) {
            long at = offset + i;
            int lane = (int) (at & 7);
            int n = Math.min(8 - lane, size - i);
            long mask = ones(n) << (lane << 3);
            long old = qword(bar, at >>> 3);
            put(bar, at >>> 3, (old & ~mask) | ((value >>> (8 * i)) << (lane << 3)) & mask);
            i += n;
        }
    }

    void clear() {
        Arrays.fill(keys, EMPTY);
        count = 0;
    }

    /** Every stored QWORD as (key, value) pairs, key = BAR << 56 | QWORD index, in key order: a snapshot. */
    long[] export() {
        long[] out = new long[2 * count];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY && values[i] != 0) {
                out[n++] = keys[i];
                out[n++] = values[i];
            }
        }
        long[] pairs = Arrays.copyOf(out, n);
        sortPairs(pairs);
        return pairs;
    }

    void load(long[] pairs) {
        clear();
        for (int i = 0; i + 1 < pairs.length; i += 2) put((int) (pairs[i] >>> 56), pairs[i] & ((1L << 56) - 1), pairs[i + 1]);
    }

    private static void sortPairs(long[] p) {
        for (int i = 2; i < p.length; i += 2) {
            long k = p[i], v = p[i + 1];
            int j = i - 2;
            for (; j >= 0 && p[j] > k; j -= 2) {
                p[j + 2] = p[j];
                p[j + 3] = p[j + 1];
            }
            p[j + 2] = k;
            p[j + 3] = v;
        }
    }

    private static long ones(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    private static long key(int bar, long index) {
        return (long) bar << 56 | index;
    }

    private int slot(long key) {
        int h = Long.hashCode(key * 0x9e37_79b9_7f4a_7c15L);
        int m = keys.length - 1;
        int i = h & m;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & m;
        return i;
    }

    private long qword(int bar, long index) {
        int i = slot(key(bar, index));
        return keys[i] == EMPTY ? 0 : values[i];
    }

    private void put(int bar, long index, long value) {
        long k = key(bar, index);
        int i = slot(k);
        if (keys[i] == EMPTY) {
            if (value == 0) return; // nothing to remember: an unwritten QWORD reads 0
            keys[i] = k;
            count++;
            if (count * 2 > keys.length) {
                values[i] = value;
                grow();
                return;
            }
        }
        values[i] = value;
    }

    private void grow() {
        long[] oldKeys = keys, oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int s = slot(oldKeys[i]);
                keys[s] = oldKeys[i];
                values[s] = oldValues[i];
            }
        }
    }
}
