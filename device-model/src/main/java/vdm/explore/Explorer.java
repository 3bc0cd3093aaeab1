package vdm.explore;

import java.util.ArrayList;
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
 * Explores the orderings of a set of operations on one device, breadth first up to a depth, from a booted model with
 * a guest. After every operation it collects the operation's failures and the invariant violations that were not
 * there before it; each new kind of finding is reported with the ordering that reached it, which breadth-first order
 * makes the shortest, and the trace of that ordering replayed on a tracing model.
 * <p>
 * One model does all the work: each state of the frontier is a {@link ModelState} captured in memory, put back into
 * the model before an operation is tried on it (nothing is rebuilt or replayed from boot). States already seen, by
 * their 128-bit fingerprint and whether a restore is owed, are pruned. Once an ordering has diverged (a failed check or
 * a broken invariant), later divergences on it are its consequences and are not reported again; refused hypercalls
 * still are, since they fail for reasons of their own.
 */
public final class Explorer {
    /**
     * What a search did: its findings in the order found; operations applied (states explored), of which distinct
     * states; the deepest frontier; the bytes the seen-state set held and those the frontier states held at most
     * (config images shared between states counted once).
     */
    public record Result(List<Finding> findings, long statesExplored, long distinctStates, long maxFrontier, long seenSetBytes,
                         long frontierBytes, long nanos) {
        public double statesPerSecond() {
            return nanos == 0 ? 0 : statesExplored * 1e9 / nanos;
        }

        /** Memory per distinct state: the seen set and the largest frontier, spread over the states seen. */
        public double bytesPerStoredState() {
            return distinctStates == 0 ? 0 : (double) (seenSetBytes + frontierBytes) / distinctStates;
        }
    }

    private final Supplier<? extends Machine.Builder> model;
    private final Setting setting;
    /** Which device owes a restore in states where the model does not show it, shared by every run of the search. */
    private final Map<StateHash.Fingerprint, Sbdf> owedRestores = Run.owedRestores();
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
        this.model = model;
        this.setting = setting;
        this.ops = List.copyOf(ops);
    }

    /** A state to extend: how to reach it, whether a divergence was met on the way, the violations it has, the state. */
    private record Node(List<Op> ordering, boolean tainted, Set<String> violations, ModelState state, boolean needsRestore) {}

    /** A finding before its trace: the ordering is replayed once the search is done. */
    private record Found(String kind, String message, List<Op> ordering) {}

    public Result explore(int depth) {
        long start = System.nanoTime();
        Map<String, Found> found = new LinkedHashMap<>();
        FingerprintSet seen = new FingerprintSet();
        Run run = new Run(model.get().tracing(false).monitor(Machine.StepMonitor.NONE).build(), setting, owedRestores);
        Machine vdm = run.vdm();
        List<Node> frontier = new ArrayList<>();
        ModelState root = ModelState.capture(vdm);
        remember(seen, root, false);
        Set<String> rootViolations = new HashSet<>();
        for (Violation v : InvariantMonitor.check(vdm)) {
            rootViolations.add(v.invariant() + "|" + v.where());
            found.putIfAbsent(kindOf(v), new Found(kindOf(v), v.toString(), List.of()));
        }
        frontier.add(new Node(List.of(), false, rootViolations, root, false));
        ModelState current = root; // what the model holds now, null once an operation changed it
        long states = 0, maxFrontier = 1, frontierBytes = 0;
        for (int level = 0; level < depth && !frontier.isEmpty(); level++) {
            List<Node> next = new ArrayList<>();
            for (Node node : frontier) {
                for (Op op : ops) {
                    if (current != node.state()) {
                        node.state().restore(vdm);
                        current = node.state();
                    }
                    run.needsRestore(node.needsRestore());
                    if (!op.applies(run)) continue;
                    List<Failure> failures = op.apply(run);
                    current = null;
                    states++;
                    boolean diverged = false;
                    List<Op> ordering = null;
                    for (Failure f : failures) {
                        diverged |= !f.refusal();
                        if (f.refusal() || !node.tainted()) {
                            ordering = extend(node.ordering(), op, ordering);
                            String kind = op.label() + ": " + f.key();
                            found.putIfAbsent(kind, new Found(kind, f.message(), ordering));
                        }
                    }
                    List<Violation> violations = InvariantMonitor.check(vdm);
                    Set<String> now = violations.isEmpty() ? Set.of() : new HashSet<>();
                    for (Violation v : violations) {
                        String key = v.invariant() + "|" + v.where();
                        now.add(key);
                        if (node.violations().contains(key)) continue;
                        diverged = true;
                        if (!node.tainted()) {
                            ordering = extend(node.ordering(), op, ordering);
                            found.putIfAbsent(kindOf(v), new Found(kindOf(v), v.toString(), ordering));
                        }
                    }
                    // States already seen are pruned; a state with a finding is still extended, since later
                    // operations can fail in other ways (a refused map_pirq after a dropped restore).
                    ModelState reached = ModelState.capture(vdm, node.state());
                    current = reached;
                    if (remember(seen, reached, run.needsRestore())) {
                        next.add(new Node(extend(node.ordering(), op, ordering), node.tainted() || diverged, now, reached, run.needsRestore()));
                    }
                }
            }
            frontier = next;
            if (next.size() > maxFrontier) {
                maxFrontier = next.size();
                frontierBytes = StateSize.of(next.stream().map(Node::state).toList());
            }
        }
        long nanos = System.nanoTime() - start;
        List<Finding> findings = new ArrayList<>();
        for (Found f : found.values()) {
            findings.add(new Finding(f.kind(), f.message(), f.ordering(), replay(model, setting, f.ordering()).events()));
        }
        return new Result(List.copyOf(findings), states, seen.size(), maxFrontier, seen.bytes(), frontierBytes, nanos);
    }

    private static List<Op> extend(List<Op> ordering, Op op, List<Op> already) {
        if (already != null) return already;
        List<Op> out = new ArrayList<>(ordering.size() + 1);
        out.addAll(ordering);
        out.add(op);
        return List.copyOf(out);
    }

    /** Adds the state to the seen set; a restore owed is part of the state (it decides which operations apply). */
    private static boolean remember(FingerprintSet seen, ModelState s, boolean needsRestore) {
        StateHash.Fingerprint f = s.fingerprint();
        return seen.add(needsRestore ? ~f.high() : f.high(), f.low());
    }

    /** One kind per invariant and device: the BARs of one stale vPCI cache are one finding. */
    private static String kindOf(Violation v) {
        return v.invariant() + "|" + v.where().replaceAll(" (BAR\\d|ROM)$", "");
    }

    /** Replays an ordering on a fresh tracing model and returns its trace, with each operation's failures and the invariant violations after it as events. */
    public static Trace replay(Supplier<? extends Machine.Builder> model, Sbdf device, List<Op> ordering) {
        return replay(model, Setting.of(device), ordering);
    }

    /** {@link #replay(Supplier, Sbdf, List)} over several devices and guests. */
    public static Trace replay(Supplier<? extends Machine.Builder> model, Setting setting, List<Op> ordering) {
        Run r = new Run(model.get().tracing(true).monitor(Machine.StepMonitor.NONE).build(), setting);
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
