package vdm.replay;

import java.util.Optional;
import vdm.explore.Explorer;
import vdm.explore.Finding;
import vdm.explore.Op;

/**
 * The explorer on a {@link KnownFailure}: its host, device and operations, but not its ordering, searched to the
 * entry's stated depth with the fix off or on. The entry's failure is found when a finding's ordering ends with the
 * entry's failing operation and the finding's replayed trace shows the failure in that step as a replay must
 * ({@link KnownFailure.Expectation#shownBy}: failed, with the entry's text and errno).
 */
public record Search(KnownFailure failure, boolean fixed, int depth, Explorer.Result result, Optional<Finding> match) {
    /** Searches to the entry's depth ({@link KnownFailure.ExplorerSearch}); an entry the explorer cannot find is refused. */
    public static Search run(KnownFailure f, boolean fixed) {
        if (!f.explorer().finds()) {
            throw new IllegalArgumentException(f.name() + ": the explorer cannot find it: " + f.explorer().why());
        }
        return run(f, fixed, f.explorer().depth());
    }

    /** The same search to another depth. */
    public static Search run(KnownFailure f, boolean fixed, int depth) {
        Explorer.Result r = new Explorer(Replay.model(f, fixed), f.device(), f.explorerOps()).explore(depth);
        return new Search(f, fixed, depth, r, r.findings().stream().filter(x -> shows(f, x)).findFirst());
    }

    private static boolean shows(KnownFailure f, Finding x) {
        Op step = f.expect().step();
        if (x.ordering().isEmpty() || x.ordering().getLast() != step) return false;
        return f.expect().shownBy(x.trace().stream().filter(e -> e.step().equals(step.label())).toList());
    }

    public boolean found() {
        return match.isPresent();
    }

    /** As {@link Replay.Result#exitCode()}: fix off 1 found, 3 not; fix on 0 not found, 1 found. */
    public int exitCode() {
        return fixed ? (found() ? 1 : 0) : (found() ? 1 : 3);
    }

    /** The search's size, its findings, and whether the entry's failure is among them and by which ordering. */
    public String render() {
        StringBuilder sb = new StringBuilder(String.format(
                "vdm replay %s --explore%s: operations %s, depth %d%n  %d states (%d distinct), %d findings%n",
                failure.name(), fixed ? " --fixed" : "", String.join(", ", failure.explorerOps().stream().map(Op::label).toList()),
                depth, result.statesExplored(), result.distinctStates(), result.findings().size()));
        for (Finding x : result.findings()) sb.append(String.format("    %s  (%s)%n", x.kind(), x.orderingText()));
        sb.append(match.map(x -> String.format("%nfound: %s, by %s%n", failure.expect().text(), x.orderingText()))
                .orElseGet(() -> String.format("%nnot found: %s at %s%n", failure.expect().text(), failure.expect().step().label())));
        return sb.toString();
    }
}
