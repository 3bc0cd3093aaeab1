package vdm.qmp.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Which undeclared member QEMU names in {@code Parameter 'x' is unexpected}: qobject_input_check_struct
 * (qapi/qobject-input-visitor.c) reports the first key left in the GHashTable of unvisited keys, in the table's
 * slot order. The table is glib 2.74's (ghash.c, Debian bookworm's, which QEMU 7.2 there links): every key of the
 * object inserted in QDict order (qobject_input_push), the declared members that are present removed as the
 * generated visitor reads them, in declaration order. This class replays that table: g_str_hash, slots
 * {@code (hash * 11) % mod} probed quadratically, tombstones, and g_hash_table_maybe_resize's in-place rehash
 * (resize_map) after an insert into an unused slot and after every remove.
 */
public final class UnvisitedKeys {
    private UnvisitedKeys() {}

    /** prime_mod: the modulus for a table of 1 << shift slots. */
    private static final int[] PRIME_MOD = {1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749,
            65521, 131071, 262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689,
            268435399, 536870909, 1073741789, 2147483647};
    private static final int MIN_SHIFT = 3, UNUSED = 0, TOMBSTONE = 1;

    /** The first key of {@code object} not among {@code visited}, as QEMU reports it; null when every key was visited. */
    public static String first(JsonNode object, List<String> visited) {
        Table t = new Table();
        for (Map.Entry<String, JsonNode> e : JsonWriter.qdictOrder(object)) t.insert(e.getKey());
        for (String v : visited) t.remove(v);
        for (int i = 0; i < t.size; i++) if (real(t.hashes[i])) return t.keys[i];
        return null;
    }

    /** g_str_hash over the bytes QEMU holds (signed chars, as glib reads them); 0 and 1 mean "no key", so they become 2. */
    static int strHash(String key) {
        int h = 5381;
        for (byte b : ModifiedUtf8.encode(key)) h = (h << 5) + h + b;
        return Integer.compareUnsigned(h, 2) < 0 ? 2 : h;
    }

    /** HASH_IS_REAL: a hash is a guint, so every value but UNUSED and TOMBSTONE, negative ints included. */
    private static boolean real(int hash) {
        return hash != UNUSED && hash != TOMBSTONE;
    }

    private static final class Table {
        int shift, size, mod, mask, nnodes, noccupied;
        int[] hashes;
        String[] keys;

        Table() {
            setShift(MIN_SHIFT);
            hashes = new int[size];
            keys = new String[size];
        }

        void setShift(int s) {
            shift = s;
            size = 1 << s;
            mod = PRIME_MOD[s];
            mask = size - 1;
        }

        int index(int hash) {
            return Integer.remainderUnsigned(hash * 11, mod);
        }

        /** g_hash_table_lookup_node: the key's slot, else the first tombstone met, else the unused slot that ended the probe. */
        int lookup(String key, int hash) {
            int i = index(hash), step = 0, tomb = -1;
            while (hashes[i] != UNUSED) {
                if (hashes[i] == hash && key.equals(keys[i])) return i;
                if (hashes[i] == TOMBSTONE && tomb < 0) tomb = i;
                i = (i + ++step) & mask;
            }
            return tomb >= 0 ? tomb : i;
        }

        void insert(String key) {
            int hash = strHash(key), i = lookup(key, hash);
            if (real(hashes[i])) return; // a QDict has no duplicate keys
            boolean unused = hashes[i] == UNUSED;
            hashes[i] = hash;
            keys[i] = key;
            nnodes++;
            if (unused) {
                noccupied++;
                maybeResize();
            }
        }

        void remove(String key) {
            int hash = strHash(key), i = lookup(key, hash);
            if (!real(hashes[i])) return;
            hashes[i] = TOMBSTONE;
            keys[i] = null;
            nnodes--;
            maybeResize();
        }

        void maybeResize() {
            if ((size > nnodes * 4 && size > 1 << MIN_SHIFT) || size <= noccupied + noccupied / 16) resize();
        }

        /** g_hash_table_resize with resize_map: rehash in place, walking the old slots, swapping into new ones. */
        void resize() {
            int oldSize = size;
            int want = (int) (nnodes * 1.333), s = 0;
            while (want != 0) {
                want >>= 1;
                s++;
            }
            setShift(Math.max(s, MIN_SHIFT));
            int n = Math.max(size, oldSize);
            hashes = java.util.Arrays.copyOf(hashes, n);
            keys = java.util.Arrays.copyOf(keys, n);
            boolean[] placed = new boolean[n];
            for (int i = 0; i < oldSize; i++) {
                int h = hashes[i];
                if (!real(h)) {
                    hashes[i] = UNUSED;
                    continue;
                }
                if (placed[i]) continue;
                hashes[i] = UNUSED;
                String k = keys[i];
                keys[i] = null;
                while (true) {
                    int at = index(h), step = 0;
                    while (placed[at]) at = (at + ++step) & mask;
                    placed[at] = true;
                    int replaced = hashes[at];
                    String replacedKey = keys[at];
                    hashes[at] = h;
                    keys[at] = k;
                    if (!real(replaced)) break;
                    h = replaced;
                    k = replacedKey;
                }
            }
            if (size < oldSize) {
                hashes = java.util.Arrays.copyOf(hashes, size);
                keys = java.util.Arrays.copyOf(keys, size);
            }
            noccupied = nnodes;
        }
    }
}
