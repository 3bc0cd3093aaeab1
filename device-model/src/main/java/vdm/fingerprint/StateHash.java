package vdm.fingerprint;

/**
 * A 128-bit hash of a model state, fed field by field in a fixed order (the state-hashing of explicit-state model
 * checkers: TLC keeps 64-bit fingerprints, SPIN's hash compaction fewer). Two independent 64-bit lanes, each a
 * multiply-rotate accumulator finished with MurmurHash3's fmix64, so that two different states collide with a
 * probability near 2^-128 per pair rather than a 32-bit {@code hashCode}'s 2^-32. Not cryptographic: it guards against
 * accident, not an adversary.
 */
public final class StateHash {
    private static final long K1 = 0x9e3779b97f4a7c15L, K2 = 0xc2b2ae3d27d4eb4fL, K3 = 0x165667b19e3779f9L;
    private long a = 0x243f6a8885a308d3L, b = 0x13198a2e03707344L;
    private long count;

    /** The finished hash: two longs, {@link #high()} and {@link #low()} of a {@link Fingerprint}. */
    public record Fingerprint(long high, long low) {
        @Override
        public String toString() {
            return String.format("%016x%016x", high, low);
        }
    }

    public StateHash put(long v) {
        a = Long.rotateLeft(a ^ (v * K1), 31) * K2;
        b = Long.rotateLeft(b + (v ^ K3), 27) * K1 + a;
        count++;
        return this;
    }

    public StateHash put(int v) {
        return put((long) v);
    }

    public StateHash put(boolean v) {
        return put(v ? 1L : 0L);
    }

    /** An array: its length, then its elements two to a long. */
    public StateHash put(int[] v) {
        if (v == null) return put(-1L);
        put((long) v.length);
        int i = 0;
        for (; i + 1 < v.length; i += 2) put((long) v[i] << 32 | (v[i + 1] & 0xffffffffL));
        if (i < v.length) put(v[i]);
        return this;
    }

    public StateHash put(long[] v) {
        if (v == null) return put(-1L);
        put((long) v.length);
        for (long x : v) put(x);
        return this;
    }

    public StateHash put(byte[] v) {
        if (v == null) return put(-1L);
        put((long) v.length);
        int i = 0;
        for (; i + 7 < v.length; i += 8) {
            long w = 0;
            for (int k = 7; k >= 0; k--) w = w << 8 | (v[i + k] & 0xff);
            put(w);
        }
        for (; i < v.length; i++) put(v[i]);
        return this;
    }

    /** A string by its characters (names and owners in a state are short). */
    public StateHash put(String s) {
        if (s == null) return put(-1L);
        put((long) s.length());
        for (int i = 0; i < s.length(); i++) put(s.charAt(i));
        return this;
    }

    /** Another state part's finished hash, as two longs. */
    public StateHash put(Fingerprint f) {
        return put(f.high).put(f.low);
    }

    public Fingerprint finish() {
        return new Fingerprint(fmix(a ^ count), fmix(b + count * K3));
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb93fe1a85ec3L;
        k ^= k >>> 33;
        return k;
    }
}
