package vdm.explore;

/**
 * The set of states seen, as 128-bit fingerprints in one open-addressed {@code long[]} (linear probing, at most half
 * full): 16 bytes a slot, about 32 bytes a state, and no object per state.
 */
final class FingerprintSet {
    private long[] table = new long[2 * 1024];
    private int size;

    /** Adds a fingerprint; false if it was there already. (0, 0) is stored as (0, 1): the empty slot is all zero. */
    boolean add(long high, long low) {
        if (high == 0 && low == 0) low = 1;
        if (2 * (size + 1) > table.length / 2) grow();
        if (!insert(table, high, low)) return false;
        size++;
        return true;
    }

    int size() {
        return size;
    }

    /** Bytes the table holds. */
    long bytes() {
        return 16L + 8L * table.length;
    }

    /** The fingerprints held, as (high, low) pairs in table order (for a checkpoint). */
    long[] toArray() {
        long[] out = new long[2 * size];
        int n = 0;
        for (int i = 0; i < table.length; i += 2) {
            if (table[i] != 0 || table[i + 1] != 0) {
                out[n++] = table[i];
                out[n++] = table[i + 1];
            }
        }
        return out;
    }

    private static boolean insert(long[] t, long high, long low) {
        int mask = (t.length >>> 1) - 1;
        int i = (int) (low ^ low >>> 32 ^ high) & mask;
        for (;;) {
            long h = t[2 * i], l = t[2 * i + 1];
            if (h == 0 && l == 0) {
                t[2 * i] = high;
                t[2 * i + 1] = low;
                return true;
            }
            if (h == high && l == low) return false;
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        long[] bigger = new long[table.length * 2];
        for (int i = 0; i < table.length; i += 2) {
            if (table[i] != 0 || table[i + 1] != 0) insert(bigger, table[i], table[i + 1]);
        }
        table = bigger;
    }
}
