package vdm.explore;

import java.util.List;

/**
 * Where a stopped search was, as data ({@code vdm.persist.CheckpointFile} writes it as JSON): the operations by label
 * (a resumed search must have the same, in the same order), the depth, the fingerprint of the state at boot (a resumed
 * search must boot to the same: same host, dom0 and device), the fixes in force (which the boot state does not show), the level being expanded and the next node of
 * it, the compact tree, the violation sets its nodes name, the seen set's fingerprints as (high, low) pairs, the
 * findings so far with their orderings as operation indices, and the counters.
 */
public record Checkpoint(List<String> ops, int depth, String fixes, long rootHigh, long rootLow, int level, int next,
                         List<Level> levels, List<List<String>> violationSets, long[] seen, List<Found> findings,
                         long statesExplored, long maxFrontier, long nanos) {
    /** One level of the tree: parent index, operation index, flags and violation set id, per node. */
    public record Level(int[] parent, short[] op, byte[] flags, int[] violations) {}

    /** A finding before its replay: its kind, message and ordering (operation indices). */
    public record Found(String kind, String message, int[] ordering) {}

    public Checkpoint {
        ops = List.copyOf(ops);
        if (fixes == null) throw new IllegalArgumentException("a checkpoint names no fixes");
        levels = List.copyOf(levels);
        violationSets = violationSets.stream().map(List::copyOf).toList();
        findings = List.copyOf(findings);
        if (depth < 1) throw new IllegalArgumentException("a checkpoint's depth must be positive, not " + depth);
        if (level < 0 || level >= depth || levels.size() != level + 2) {
            throw new IllegalArgumentException("a checkpoint at level " + level + " of depth " + depth + " must hold " + (level + 2)
                    + " levels, not " + levels.size());
        }
        if (next < 0 || next > levels.get(level).parent().length) {
            throw new IllegalArgumentException("a checkpoint's next node " + next + " is not in its level");
        }
        if (seen.length % 2 != 0) throw new IllegalArgumentException("a checkpoint's seen set has an odd number of longs");
        for (Found f : findings) {
            for (int o : f.ordering()) {
                if (o < 0 || o >= ops.size()) throw new IllegalArgumentException("a checkpoint's finding names operation " + o + " of " + ops.size());
            }
        }
        for (int n = 1; n < levels.size(); n++) {
            int above = levels.get(n - 1).parent().length;
            for (int p : levels.get(n).parent()) {
                if (p < 0 || p >= above) throw new IllegalArgumentException("a checkpoint's node at level " + n + " names parent " + p + " of " + above);
            }
        }
        for (Level l : levels) {
            if (l.op().length != l.parent().length || l.flags().length != l.parent().length || l.violations().length != l.parent().length) {
                throw new IllegalArgumentException("a checkpoint's level arrays differ in length");
            }
            for (int v : l.violations()) {
                if (v < 0 || v >= violationSets.size()) throw new IllegalArgumentException("a checkpoint's node names violation set " + v + " of " + violationSets.size());
            }
            for (short o : l.op()) {
                if ((o & 0xffff) >= Math.max(1, ops.size())) throw new IllegalArgumentException("a checkpoint's node names operation " + o + " of " + ops.size());
            }
        }
    }

    /** Distinct states seen when it was taken. */
    public long distinctStates() {
        return seen.length / 2;
    }
}
