package vdm.explore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import vdm.system.Machine;
import vdm.pci.Sbdf;
import vdm.invariants.InvariantMonitor;
import vdm.invariants.Violation;
import vdm.fingerprint.StateHash;
import vdm.system.Trace;
import vdm.snapshot.ModelState;

/**
 * Explores the orderings of a set of operations on one or more devices and guests ({@link Setting}), breadth first up
 * to a depth, from a booted model. After every operation it collects the operation's failures and the invariant violations that were not
 * there before it; each new kind of finding is reported with the ordering that reached it, which breadth-first order
 * makes the shortest, and the trace of that ordering replayed on a tracing model.
 * <p>
 * The search tree is kept compactly ({@link Frontier}: parent, operation, flags, about 11 bytes a node) and states
 * already seen, by their 128-bit fingerprint and whether a restore is owed, are pruned ({@link FingerprintSet}). A
 * level's nodes are expanded by one or more workers ({@link Expander}, each with its own model, re-deriving a node's
 * state from its parent's), and their successors are merged in node order and operation order, as one thread would
 * take them ({@link ParallelLevel}): which state is new, which ordering reaches a finding first, and so every figure
 * but the time, are the same on any number of threads. Once an ordering has diverged (a failed check or a broken
 * invariant), later divergences on it are its consequences and are not reported again; refused hypercalls still
 * are, since they fail for reasons of their own.
 * <p>
 * A search may stop early ({@link SearchLimits}) at a node boundary; its {@link Checkpoint} resumes it to the result
 * the uninterrupted search has.
 */
public final class Explorer {
    /**
     * What a search did: its findings in the order found; operations applied (states explored), of which distinct
     * states; the largest level; the bytes the seen-state set and the compact search tree hold; the time (over all
     * runs of a resumed search); the deepest level reached; and why it stopped early, or null if it finished.
     */
    public record Result(List<Finding> findings, long statesExplored, long distinctStates, long maxFrontier, long seenSetBytes,
                         long frontierBytes, long nanos, int depthReached, Stop stop) {
        public double statesPerSecond() {
            return nanos == 0 ? 0 : statesExplored * 1e9 / nanos;
        }

        /** Memory per distinct state: the seen set and the search tree, spread over the states seen. */
        public double bytesPerStoredState() {
            return distinctStates == 0 ? 0 : (double) (seenSetBytes + frontierBytes) / distinctStates;
        }

        /** True if the search went to its depth (or ran out of new states) without a limit stopping it. */
        public boolean complete() {
            return stop == null;
        }
    }

    /** Why a search stopped, where (the level being expanded and the nodes of it left), and how to resume it. */
    public record Stop(String why, int level, long nodesLeft, Checkpoint checkpoint) {}

    /**
     * How to search: to what depth, on how many threads, within which limits, with which progress line, and from
     * which checkpoint (null: from boot).
     */
    public record Options(int depth, int threads, SearchLimits limits, Progress progress, Checkpoint resume) {
        public Options {
            if (depth < 0) throw new IllegalArgumentException("the depth must be 0 or more, not " + depth);
            if (threads < 1 || threads > 256) throw new IllegalArgumentException("the thread count must be 1..256, not " + threads);
            if (limits == null) limits = SearchLimits.NONE;
            if (progress == null) progress = Progress.NONE;
        }

        public static Options depth(int depth) {
            return new Options(depth, 1, SearchLimits.NONE, Progress.NONE, null);
        }

        public Options threads(int n) { return new Options(depth, n, limits, progress, resume); }
        public Options limits(SearchLimits l) { return new Options(depth, threads, l, progress, resume); }
        public Options progress(Progress p) { return new Options(depth, threads, limits, p, resume); }
        public Options resume(Checkpoint c) { return new Options(depth, threads, limits, progress, c); }
    }

    private final Supplier<? extends Machine.Builder> model;
    private final Setting setting;
    private final List<Op> ops;

    /**
     * @param model a builder of the model to explore (host, preset, dom0), fresh each call; the explorer switches
     *              tracing and the monitor itself (off for the search, tracing on for the findings' replays)
     */
    public Explorer(Supplier<? extends Machine.Builder> model, Sbdf device, List<Op> ops) {
        this(model, Setting.of(device), ops);
    }

    /** A search over several devices and guests ({@link Setting#ops}); unparametrised operations act on the first device. */
    public Explorer(Supplier<? extends Machine.Builder> model, Setting setting, List<Op> ops) {
        if (ops.size() > 0xffff) throw new IllegalArgumentException("at most 65535 operations, not " + ops.size());
        this.model = model;
        this.setting = setting;
        this.ops = List.copyOf(ops);
    }

    /** A whole search to {@code depth} on one thread. */
    public Result explore(int depth) {
        return explore(Options.depth(depth));
    }

    public Result explore(Options o) {
        long start = System.nanoTime();
        List<Expander> workers = new ArrayList<>();
        for (int t = 0; t < o.threads(); t++) {
            workers.add(new Expander(newRun(model.get().tracing(false).monitor(Machine.StepMonitor.NONE).build(), setting), ops, o.depth()));
        }
        Search s = o.resume() == null ? fresh(workers.getFirst(), o.depth()) : resumed(workers.getFirst(), o.resume(), o.depth());
        Stop stop = s.run(new ParallelLevel(workers), o);
        long nanos = s.priorNanos + System.nanoTime() - start;
        if (stop != null) stop = new Stop(stop.why(), stop.level(), stop.nodesLeft(), s.checkpoint(nanos));
        List<Finding> findings = new ArrayList<>();
        for (Checkpoint.Found f : s.found.values()) {
            List<Op> ordering = Arrays.stream(f.ordering()).mapToObj(ops::get).toList();
            findings.add(new Finding(f.kind(), f.message(), ordering, replay(model, setting, ordering).events()));
        }
        int reached = 0;
        for (int l = 0; l < s.frontier.levelCount(); l++) if (s.frontier.level(l).size() > 0) reached = l;
        return new Result(List.copyOf(findings), s.states, s.seen.size(), s.maxFrontier, s.seen.bytes(), s.frontier.bytes(), nanos,
                reached, stop);
    }

    /** A search from boot: the root seen, the violations the model has at boot found. */
    private Search fresh(Expander first, int depth) {
        ModelState root = first.root();
        StateHash.Fingerprint f = root.fingerprint();
        Set<String> rootViolations = new HashSet<>();
        Map<String, Checkpoint.Found> found = new LinkedHashMap<>();
        for (Violation v : InvariantMonitor.check(first.machine())) {
            rootViolations.add(v.invariant() + "|" + v.where());
            found.putIfAbsent(Expander.kindOf(v), new Checkpoint.Found(Expander.kindOf(v), v.toString(), new int[0]));
        }
        FingerprintSet seen = new FingerprintSet();
        seen.add(f.high(), f.low());
        return new Search(depth, f, first.machine().fixes().toString(), new Frontier(rootViolations), seen, found, 0, 0, 1, 0, 0);
    }

    /** A search from a checkpoint of this explorer's operations, depth and model. */
    private Search resumed(Expander first, Checkpoint c, int depth) {
        List<String> labels = ops.stream().map(Op::label).toList();
        if (!labels.equals(c.ops())) {
            throw new IllegalArgumentException("the checkpoint is of operations " + String.join(",", c.ops()) + ", not " + String.join(",", labels));
        }
        if (c.depth() != depth) throw new IllegalArgumentException("the checkpoint is of a search to depth " + c.depth() + ", not " + depth);
        String fixes = first.machine().fixes().toString();
        if (!fixes.equals(c.fixes())) throw new IllegalArgumentException("the checkpoint was taken with fixes " + c.fixes() + ", not " + fixes);
        StateHash.Fingerprint f = first.root().fingerprint();
        if (f.high() != c.rootHigh() || f.low() != c.rootLow()) {
            throw new IllegalArgumentException("the checkpoint is of another model: its boot state differs (another host, preset, fixes, dom0 or device)");
        }
        List<Frontier.Level> levels = new ArrayList<>();
        for (Checkpoint.Level l : c.levels()) levels.add(new Frontier.Level(l.parent().clone(), l.op().clone(), l.flags().clone(), l.violations().clone()));
        List<Set<String>> sets = new ArrayList<>();
        for (List<String> v : c.violationSets()) sets.add(Set.copyOf(v));
        FingerprintSet seen = new FingerprintSet();
        long[] pairs = c.seen();
        for (int i = 0; i < pairs.length; i += 2) seen.add(pairs[i], pairs[i + 1]);
        Map<String, Checkpoint.Found> found = new LinkedHashMap<>();
        for (Checkpoint.Found x : c.findings()) found.put(x.kind(), x);
        return new Search(depth, f, fixes, new Frontier(levels, sets), seen, found, c.level(), c.next(), c.maxFrontier(), c.nanos(), c.statesExplored());
    }

    /** A search's state: what the merge decides, in node order. */
    private final class Search {
        final int depth;
        final StateHash.Fingerprint root;
        final String fixes;
        final Frontier frontier;
        final FingerprintSet seen;
        final Map<String, Checkpoint.Found> found;
        int level, next;
        long maxFrontier, priorNanos, states;

        Search(int depth, StateHash.Fingerprint root, String fixes, Frontier frontier, FingerprintSet seen, Map<String, Checkpoint.Found> found,
               int level, int next, long maxFrontier, long priorNanos, long states) {
            this.depth = depth;
            this.root = root;
            this.fixes = fixes;
            this.frontier = frontier;
            this.seen = seen;
            this.found = found;
            this.level = level;
            this.next = next;
            this.maxFrontier = maxFrontier;
            this.priorNanos = priorNanos;
            this.states = states;
        }

        /** Expands level after level; returns why it stopped early, or null. */
        Stop run(ParallelLevel parallel, Options o) {
            for (; level < depth; level++, next = 0) {
                Frontier.Level cur = frontier.level(level);
                if (cur.size() == 0) return null;
                Frontier.Level into = level + 1 < frontier.levelCount() ? frontier.level(level + 1) : frontier.open(cur.size() * 2);
                Frontier.Level[] view = new Frontier.Level[level + 1];
                for (int l = 0; l <= level; l++) view[l] = frontier.level(l);
                String[] why = new String[1];
                int[] stopAt = new int[1];
                int lv = level;
                boolean whole = parallel.run(view, frontier.violationSets(), level, next, (i, children) -> {
                    merge(lv, i, children, into);
                    o.progress().tick(states, seen.size(), lv, depth, cur.size() - i - 1, found.size(), seen.bytes() + frontier.bytes());
                    boolean more = i + 1 < cur.size() || (lv + 1 < depth && into.size() > 0);
                    why[0] = more ? o.limits().exceeded(seen.size(), seen.bytes() + frontier.bytes()) : null;
                    stopAt[0] = i + 1;
                    return why[0] == null;
                });
                maxFrontier = Math.max(maxFrontier, into.size());
                if (!whole) {
                    next = stopAt[0];
                    return new Stop(why[0], level, cur.size() - next, null);
                }
            }
            return null;
        }

        /** Takes node {@code index}'s successors in operation order: findings first come, new states into the next level. */
        void merge(int level, int index, List<Expander.Child> children, Frontier.Level into) {
            int[] path = null;
            for (Expander.Child c : children) {
                states++;
                for (Expander.Candidate k : c.candidates()) {
                    if (found.containsKey(k.kind())) continue;
                    if (path == null) path = frontier.path(level, index);
                    int[] ordering = Arrays.copyOf(path, path.length + 1);
                    ordering[path.length] = c.op();
                    found.put(k.kind(), new Checkpoint.Found(k.kind(), k.message(), ordering));
                }
                // States already seen are pruned; a state with a finding is still extended, since later
                // operations can fail in other ways (a refused map_pirq after a dropped restore).
                if (seen.add(c.high(), c.low())) {
                    int flags = Frontier.flags(c.tainted(), c.owed());
                    into.add(index, c.op(), flags, frontier.intern(c.violations()));
                }
            }
        }

        /** Where the search is now: the level being expanded and its next node. */
        Checkpoint checkpoint(long nanos) {
            List<Checkpoint.Level> levels = new ArrayList<>();
            for (int l = 0; l < frontier.levelCount(); l++) {
                Frontier.Level x = frontier.level(l);
                levels.add(new Checkpoint.Level(x.parents(), x.ops(), x.flagBytes(), x.violationIds()));
            }
            List<List<String>> sets = frontier.violationSets().stream().map(v -> v.stream().sorted().toList()).toList();
            return new Checkpoint(ops.stream().map(Op::label).toList(), depth, fixes, root.high(), root.low(), level, next, levels, sets,
                    seen.toArray(), List.copyOf(found.values()), states, maxFrontier, nanos);
        }
    }

    /** The one place a {@link Run} is made: the search's workers and the findings' replays. */
    private static Run newRun(Machine vdm, Setting setting) {
        return new Run(vdm, setting);
    }

    /** Replays an ordering on a fresh tracing model and returns its trace, with each operation's failures and the invariant violations after it as events. */
    public static Trace replay(Supplier<? extends Machine.Builder> model, Sbdf device, List<Op> ordering) {
        return replay(model, Setting.of(device), ordering);
    }

    /** {@link #replay(Supplier, Sbdf, List)} over several devices and guests: one run from boot. */
    public static Trace replay(Supplier<? extends Machine.Builder> model, Setting setting, List<Op> ordering) {
        Run r = newRun(model.get().tracing(true).monitor(Machine.StepMonitor.NONE).build(), setting);
        for (Op op : ordering) {
            r.vdm().trace().step(op.label());
            if (!op.applies(r)) {
                r.vdm().trace().add(Trace.Source.STEP, Trace.Verdict.INFO, op.label() + ": does not apply here", "", 0);
                continue;
            }
            List<Failure> failures = op.apply(r);
            for (Failure f : failures) r.vdm().trace().add(Trace.Source.STEP, Trace.Verdict.FAILED, op.label() + ": " + f.message(), "", -1);
            for (Violation v : InvariantMonitor.check(r.vdm())) {
                r.vdm().trace().add(Trace.Source.INVARIANT, Trace.Verdict.FAILED, v.toString(), "after " + op.label(), 0);
            }
        }
        return r.vdm().trace();
    }
}
