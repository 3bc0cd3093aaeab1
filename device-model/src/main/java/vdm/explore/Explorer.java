package vdm.explore;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import vdm.Vdm;
import vdm.host.Sbdf;
import vdm.invariants.InvariantMonitor;
import vdm.invariants.Violation;
import vdm.model.Trace;

/**
 * Explores the orderings of a set of operations on one device, breadth first up to a depth, from a booted model with
 * a guest. After every operation it collects the operation's failures and the invariant violations that were not
 * there before it; each new kind of finding is reported with the ordering that reached it, which breadth-first order
 * makes the shortest. States already seen (by {@link ModelFingerprint}) are pruned. Once an ordering has diverged
 * (a failed check or a broken invariant), later divergences on it are its consequences and are not reported again;
 * refused hypercalls still are, since they fail for reasons of their own. Each ordering is replayed from a fresh model: the model has no snapshot yet.
 */
public final class Explorer {
    /** What a search did: its findings in the order found, and how much it looked at. */
    public record Result(List<Finding> findings, long statesExplored, long orderingsRun, long distinctStates, long nanos) {
        public double statesPerSecond() {
            return nanos == 0 ? 0 : statesExplored * 1e9 / nanos;
        }
    }

    private final Supplier<Vdm> model;
    private final Sbdf device;
    private final List<Op> ops;

    /** @param model builds a fresh, booted model each time (tracing on, the monitor off: the explorer checks) */
    public Explorer(Supplier<Vdm> model, Sbdf device, List<Op> ops) {
        this.model = model;
        this.device = device;
        this.ops = List.copyOf(ops);
    }

    /** A state to extend: how to reach it, whether a divergence was met on the way, and the violations it has. */
    private record Node(List<Op> ordering, boolean tainted, Set<String> violations) {}

    public Result explore(int depth) {
        long start = System.nanoTime();
        Map<String, Finding> findings = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        List<Node> frontier = new ArrayList<>();
        long states = 0, runs = 0;
        {
            Run base = new Run(model.get(), device);
            seen.add(ModelFingerprint.of(base.vdm()));
            for (Violation v : InvariantMonitor.check(base.vdm())) {
                findings.putIfAbsent(kindOf(v), new Finding(v.invariant(), v.toString(), List.of(), base.vdm().trace().events()));
            }
            frontier.add(new Node(List.of(), false, violationKeys(base)));
        }
        for (int level = 0; level < depth && !frontier.isEmpty(); level++) {
            List<Node> next = new ArrayList<>();
            for (Node node : frontier) {
                for (Op op : ops) {
                    Run r = replay(node.ordering());
                    runs++;
                    if (r == null || !op.applies(r)) continue;
                    if (node.tainted()) r.taint();
                    r.vdm().trace().step(op.label());
                    List<String> failures = op.apply(r);
                    states++;
                    List<Op> ordering = new ArrayList<>(node.ordering());
                    ordering.add(op);
                    boolean diverged = false;
                    for (String f : failures) {
                        boolean refusal = Op.refusal(f);
                        diverged |= !refusal;
                        if (refusal || !r.tainted()) record(findings, op.label() + ": " + f.replaceAll("0x[0-9a-f]+", "X"), f, ordering, r);
                    }
                    Set<String> now = new HashSet<>();
                    for (Violation v : InvariantMonitor.check(r.vdm())) {
                        String key = v.invariant() + "|" + v.where();
                        now.add(key);
                        if (node.violations().contains(key)) continue;
                        diverged = true;
                        if (!r.tainted()) record(findings, kindOf(v), v.toString(), ordering, r);
                    }
                    // States already seen are pruned; a state with a finding is still extended, since later
                    // operations can fail in other ways (a refused map_pirq after a dropped restore).
                    if (seen.add(ModelFingerprint.of(r.vdm()))) next.add(new Node(List.copyOf(ordering), node.tainted() || diverged, now));
                }
            }
            frontier = next;
        }
        return new Result(List.copyOf(findings.values()), states, runs, seen.size(), System.nanoTime() - start);
    }

    private static void record(Map<String, Finding> findings, String kind, String message, List<Op> ordering, Run r) {
        findings.putIfAbsent(kind, new Finding(kind, message, List.copyOf(ordering), r.vdm().trace().events()));
    }

    /** One kind per invariant and device: the BARs of one stale vPCI cache are one finding. */
    private static String kindOf(Violation v) {
        return v.invariant() + "|" + v.where().replaceAll(" (BAR\\d|ROM)$", "");
    }

    private static Set<String> violationKeys(Run r) {
        Set<String> keys = new HashSet<>();
        for (Violation v : InvariantMonitor.check(r.vdm())) keys.add(v.invariant() + "|" + v.where());
        return keys;
    }

    /** A fresh model with the ordering applied (its findings are known already), or null if an operation does not apply. */
    private Run replay(List<Op> ordering) {
        Run r = new Run(model.get(), device);
        for (Op op : ordering) {
            if (!op.applies(r)) return null;
            r.vdm().trace().step(op.label());
            op.apply(r);
        }
        return r;
    }

    /** Replays a scenario file's ordering and returns its run's trace, with each operation's failures as events. */
    public static Trace replay(Supplier<Vdm> model, Sbdf device, List<Op> ordering) {
        Run r = new Run(model.get(), device);
        for (Op op : ordering) {
            r.vdm().trace().step(op.label());
            if (!op.applies(r)) {
                r.vdm().trace().add(Trace.Source.STEP, Trace.Verdict.INFO, op.label() + ": does not apply here", "", 0);
                continue;
            }
            List<String> failures = op.apply(r);
            for (String f : failures) r.vdm().trace().add(Trace.Source.STEP, Trace.Verdict.FAILED, op.label() + ": " + f, "", -1);
            for (Violation v : InvariantMonitor.check(r.vdm())) {
                r.vdm().trace().add(Trace.Source.INVARIANT, Trace.Verdict.FAILED, v.toString(), "after " + op.label(), 0);
            }
        }
        return r.vdm().trace();
    }
}
