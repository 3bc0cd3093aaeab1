package vdm.explore;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import vdm.fingerprint.StateHash;
import vdm.invariants.InvariantMonitor;
import vdm.invariants.Violation;
import vdm.snapshot.ModelState;
import vdm.system.Machine;

/**
 * One worker of the search, with a model of its own: it re-derives a node's state from the compact tree and tries
 * every operation on it, reporting each successor as data ({@link Child}) for the merge to take in order. It never
 * decides what is new: that depends on the order of the whole level, which only the merge has.
 * <p>
 * A node's state is its parent's with the node's operation applied; the worker keeps the state of the last node it
 * derived at each level, so siblings (adjacent in a level) cost one restore and one operation, not a replay from boot.
 * It also keeps the first {@link #KEPT} successors it captured on a level, by (parent, operation): the next level's
 * first nodes are those, so a small search re-derives nothing (the states are the very ones the search captured, on
 * this worker's model; a node another worker expands is derived there).
 */
final class Expander {
    /** A finding an operation may be the first to reach: its kind and the message a person reads. */
    record Candidate(String kind, String message) {}

    /**
     * One operation applied to the node: its index, the fingerprint of the state reached (the restore owed folded in),
     * which device owes a restore there ({@link Run#owed()}), whether the ordering has diverged by then, the violations there and the
     * findings it may be the first to reach.
     */
    record Child(int op, long high, long low, int owed, boolean tainted, Set<String> violations,
                 List<Candidate> candidates) {}

    private final Run run;
    private final Machine vdm;
    private final List<Op> ops;
    private final ModelState root;
    private final ModelState[] cached;
    private final int[] cachedIndex;
    /** Successors kept per worker: a bounded cache (a captured state weighs some KB), not part of the stored states. */
    static final int KEPT = 2048;
    private int keptLevel = -1;
    private java.util.Map<Long, ModelState> keptNow = new java.util.HashMap<>(), keptNext = new java.util.HashMap<>();
    /** What the model holds now; null once an operation changed it. */
    private ModelState current;

    Expander(Run run, List<Op> ops, int depth) {
        this.run = run;
        this.vdm = run.vdm();
        this.ops = ops;
        this.root = ModelState.capture(vdm);
        this.current = root;
        this.cached = new ModelState[depth + 1];
        this.cachedIndex = new int[depth + 1];
        java.util.Arrays.fill(cachedIndex, -1);
    }

    ModelState root() {
        return root;
    }

    Machine machine() {
        return vdm;
    }

    /** Tries every operation on node {@code index} of level {@code level}; {@code levels} are the tree's levels 0..level. */
    List<Child> expand(Frontier.Level[] levels, List<Set<String>> violationSets, int level, int index) {
        Frontier.Level lv = levels[level];
        if (level != keptLevel) {
            keptNow = level == keptLevel + 1 ? keptNext : new java.util.HashMap<>();
            keptNext = new java.util.HashMap<>();
            keptLevel = level;
        }
        ModelState state = state(levels, level, index);
        int owed = Frontier.owed(lv.flags(index));
        boolean tainted = (lv.flags(index) & Frontier.TAINTED) != 0;
        Set<String> had = violationSets.get(lv.violations(index));
        List<Child> out = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) {
            Op op = ops.get(k);
            put(state, owed);
            if (!op.applies(run)) continue;
            List<Failure> failures = op.apply(run);
            current = null;
            boolean diverged = false;
            List<Candidate> candidates = List.of();
            for (Failure f : failures) {
                diverged |= !f.refusal();
                if (f.refusal() || !tainted) candidates = with(candidates, new Candidate(op.label() + ": " + f.key(), f.message()));
            }
            List<Violation> violations = InvariantMonitor.check(vdm);
            Set<String> now = violations.isEmpty() ? Set.of() : new HashSet<>();
            for (Violation v : violations) {
                String key = v.invariant() + "|" + v.where();
                now.add(key);
                if (had.contains(key)) continue;
                diverged = true;
                if (!tainted) candidates = with(candidates, new Candidate(kindOf(v), v.toString()));
            }
            ModelState reached = ModelState.capture(vdm, state);
            current = reached;
            if (keptNext.size() < KEPT) keptNext.put(key(index, k), reached);
            int owes = run.owed();
            StateHash.Fingerprint f = reached.fingerprint();
            // The device owing a restore is part of the state; owing device 1 folds in as ~high, as one device did.
            out.add(new Child(k, owes == 0 ? f.high() : ~f.high() ^ (owes - 1), f.low(), owes, tainted || diverged, now, candidates));
        }
        return out;
    }

    /** The state of a node, from the cache or derived from its parent's (itself cached or derived). */
    private ModelState state(Frontier.Level[] levels, int level, int index) {
        if (level == 0) return root;
        if (cachedIndex[level] == index) return cached[level];
        Frontier.Level lv = levels[level];
        int parent = lv.parent(index);
        ModelState kept = level == keptLevel ? keptNow.remove(key(parent, lv.op(index))) : null;
        if (kept != null) {
            cached[level] = kept;
            cachedIndex[level] = index;
            return kept;
        }
        ModelState from = state(levels, level - 1, parent);
        put(from, Frontier.owed(levels[level - 1].flags(parent)));
        Op op = ops.get(lv.op(index));
        if (!op.applies(run)) {
            // The search applied it here; a model that answers otherwise now is not deterministic.
            throw new IllegalStateException(op.label() + " applied at node " + index + " of level " + level + " but does not on re-derivation");
        }
        op.apply(run);
        ModelState s = ModelState.capture(vdm, from);
        // The model holds the state it was captured from: no restore is owed before the first operation on it (what
        // RestoreEqualsReplayTest proves: a state reached by operations answers as the same state restored).
        current = s;
        cached[level] = s;
        cachedIndex[level] = index;
        return s;
    }

    private static long key(int parent, int op) {
        return (long) parent << 16 | op;
    }

    /** Puts the model into {@code s} (unless it holds it already) with the restore owed there. */
    private void put(ModelState s, int owed) {
        if (current != s) {
            s.restore(vdm);
            current = s;
        }
        // A restore owed after a reset is part of the state (it decides which operations apply); it lives in the Run.
        run.owed(owed);
    }

    private static List<Candidate> with(List<Candidate> list, Candidate c) {
        List<Candidate> out = new ArrayList<>(list);
        out.add(c);
        return out;
    }

    /** One kind per invariant and device: the BARs of one stale vPCI cache are one finding. */
    static String kindOf(Violation v) {
        return v.invariant() + "|" + v.where().replaceAll(" (BAR\\d|ROM)$", "");
    }
}
