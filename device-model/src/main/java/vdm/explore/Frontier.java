package vdm.explore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The search tree, compactly: no node holds a model state. Per breadth-first level, each node keeps the index of its
 * parent in the level above, the index of the operation that reached it, a flags byte (bit 0: its ordering diverged;
 * bits 1-7: which device a restore is owed to, {@link Run#owed()}) and the id of the set of invariant violations it has (distinct sets are few and kept once). That is 11
 * bytes a node; a node's state is re-derived when it is expanded, from its parent's by its operation (see
 * {@link Expander}), and its ordering is the chain of operations up to the root.
 * <p>
 * Levels are appended only: a finished level is never written again, so workers may read it while the merge appends
 * the next one (it is published to them through the level's start).
 */
final class Frontier {
    static final int TAINTED = 1;
    /** Devices a flags byte can name as owing a restore ({@link Setting} refuses more). */
    static final int MAX_DEVICES = 127;

    static int flags(boolean tainted, int owed) {
        if (owed < 0 || owed > MAX_DEVICES) throw new IllegalArgumentException("owed restore " + owed + " is not 0.." + MAX_DEVICES);
        return (tainted ? TAINTED : 0) | owed << 1;
    }

    /** The device owing a restore in a node's flags, as {@link Run#owed()} numbers it. */
    static int owed(int flags) {
        return (flags >>> 1) & MAX_DEVICES;
    }

    /** One level's nodes, in the order a single-threaded search creates them. */
    static final class Level {
        private int size;
        private int[] parent, violations;
        private short[] op;
        private byte[] flags;

        Level(int capacity) {
            int c = Math.max(4, capacity);
            parent = new int[c];
            violations = new int[c];
            op = new short[c];
            flags = new byte[c];
        }

        Level(int[] parent, short[] op, byte[] flags, int[] violations) {
            if (parent.length != op.length || op.length != flags.length || flags.length != violations.length) {
                throw new IllegalArgumentException("a level's arrays differ in length");
            }
            this.size = parent.length;
            this.parent = parent;
            this.op = op;
            this.flags = flags;
            this.violations = violations;
        }

        void add(int parentIndex, int opIndex, int flagBits, int violationsId) {
            if (size == parent.length) {
                int c = size + (size >> 1) + 4;
                parent = Arrays.copyOf(parent, c);
                violations = Arrays.copyOf(violations, c);
                op = Arrays.copyOf(op, c);
                flags = Arrays.copyOf(flags, c);
            }
            parent[size] = parentIndex;
            op[size] = (short) opIndex;
            flags[size] = (byte) flagBits;
            violations[size] = violationsId;
            size++;
        }

        int size() { return size; }
        int parent(int i) { return parent[i]; }
        int op(int i) { return op[i] & 0xffff; }
        int flags(int i) { return flags[i]; }
        int violations(int i) { return violations[i]; }

        int[] parents() { return Arrays.copyOf(parent, size); }
        short[] ops() { return Arrays.copyOf(op, size); }
        byte[] flagBytes() { return Arrays.copyOf(flags, size); }
        int[] violationIds() { return Arrays.copyOf(violations, size); }

        /** Bytes the arrays hold (capacity, not size: what the heap pays). */
        long bytes() {
            return 4 * 16L + parent.length * 4L + violations.length * 4L + align(op.length * 2L) + align(flags.length);
        }
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }

    private final List<Level> levels = new ArrayList<>();
    private final List<Set<String>> violationSets = new ArrayList<>();
    private final Map<Set<String>, Integer> violationIds = new HashMap<>();

    /** A tree holding the root alone, with the violations it has at boot. */
    Frontier(Set<String> rootViolations) {
        Level root = new Level(1);
        root.add(-1, 0, 0, intern(rootViolations));
        levels.add(root);
    }

    /** A tree from a checkpoint's levels and violation sets. */
    Frontier(List<Level> levels, List<Set<String>> violationSets) {
        if (levels.isEmpty() || levels.getFirst().size() != 1) throw new IllegalArgumentException("a checkpoint's tree has no root");
        this.levels.addAll(levels);
        for (Set<String> s : violationSets) intern(s);
        for (Level l : levels) {
            for (int i = 0; i < l.size(); i++) {
                if (l.violations(i) < 0 || l.violations(i) >= this.violationSets.size()) {
                    throw new IllegalArgumentException("a checkpoint's node names violation set " + l.violations(i) + " of " + violationSets.size());
                }
            }
        }
    }

    /** The id of a set of violations, the same for equal sets. */
    int intern(Set<String> violations) {
        Integer id = violationIds.get(violations);
        if (id != null) return id;
        Set<String> copy = Set.copyOf(violations);
        violationSets.add(copy);
        violationIds.put(copy, violationSets.size() - 1);
        return violationSets.size() - 1;
    }

    /** The violation sets by id, as of now (a copy: the merge may add more while workers read it). */
    List<Set<String>> violationSets() {
        return List.copyOf(violationSets);
    }

    int levelCount() { return levels.size(); }
    Level level(int n) { return levels.get(n); }

    /** Starts the next level; the one it returns is the last. */
    Level open(int capacity) {
        Level l = new Level(capacity);
        levels.add(l);
        return l;
    }

    /** The operation indices from the root to node {@code index} of level {@code level}. */
    int[] path(int level, int index) {
        int[] out = new int[level];
        for (int l = level, i = index; l > 0; l--) {
            Level lv = levels.get(l);
            out[l - 1] = lv.op(i);
            i = lv.parent(i);
        }
        return out;
    }

    /** Nodes in all levels. */
    long nodes() {
        long n = 0;
        for (Level l : levels) n += l.size();
        return n;
    }

    /** Bytes the tree holds: every level's arrays and the violation sets (their strings counted roughly, 64 bytes each). */
    long bytes() {
        long b = 16;
        for (Level l : levels) b += l.bytes();
        for (Set<String> s : violationSets) b += 32 + 64L * s.size();
        return b;
    }
}
