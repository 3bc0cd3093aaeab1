package vdm.replay;

import java.util.List;
import java.util.Optional;
import vdm.explore.Explorer;
import vdm.explore.Finding;
import vdm.explore.Op;
import vdm.explore.OpKind;
import vdm.explore.Setting;
import vdm.pci.Sbdf;

/**
 * The explorer on a {@link KnownFailure}: its host, device and operations, but not its ordering, searched to the
 * entry's stated depth with the fix off or on. The entry's failure is found when a finding's ordering ends with the
 * entry's failing operation and the finding's replayed trace shows the failure in that step as a replay must
 * ({@link KnownFailure.Expectation#shownBy}: failed, with the entry's text and errno).
 */
public record Search(KnownFailure failure, boolean fixed, int depth, String searched, Explorer.Result result, Optional<Finding> match) {
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
        String searched = "operations " + String.join(", ", f.explorerOps().stream().map(Op::label).toList());
        return new Search(f, fixed, depth, searched, r, r.findings().stream().filter(x -> shows(f, x, false)).findFirst());
    }

    /**
     * The explorer on the entry's host with the fix off or on, told neither the device nor the ordering: every kind of
     * {@code kinds} on each of the setting's devices, the guest-naming ones to each of its guests. The entry's
     * failure is found when a finding's ordering ends with the entry's failing kind and its trace shows the failure
     * there, on whichever device: the same failure on another device of the host is the same bug (xsa476's truncation
     * shows first on the wide host's virtio-net, whose BAR4 is above 4 GiB too).
     */
    public static Search unaided(KnownFailure f, boolean fixed, Setting setting, List<OpKind> kinds, int depth) {
        Explorer.Result r = new Explorer(Replay.model(f, fixed), setting, setting.ops(kinds)).explore(depth);
        String searched = String.format("operations %s on each of %s, %d guest%s", String.join(", ", kinds.stream().map(OpKind::label).toList()),
                String.join(", ", setting.devices().stream().map(Sbdf::toString).toList()), setting.guests(), setting.guests() == 1 ? "" : "s");
        return new Search(f, fixed, depth, searched, r, r.findings().stream().filter(x -> shows(f, x, true)).findFirst());
    }

    /** The unaided search to the entry's depth over {@code devices} ("all" or a list) of its host and {@code guests} guests. */
    public static Search unaided(KnownFailure f, boolean fixed, String devices, int guests) {
        if (!f.explorer().finds()) {
            throw new IllegalArgumentException(f.name() + ": the explorer cannot find it: " + f.explorer().why());
        }
        return unaided(f, fixed, Setting.of(f.host().description().get(), devices, guests), unaidedKinds(f), f.explorer().depth());
    }

    /**
     * The entry's kinds of operation, with shared-intx (one device's operation on another's line) replaced by
     * dom0-intx, each device's own driver taking its own line, for a search that has every device's operations.
     */
    public static List<OpKind> unaidedKinds(KnownFailure f) {
        return Op.kinds(f.explorerOps()).stream().map(k -> k == OpKind.SHARED_INTX ? OpKind.DOM0_INTX : k).distinct().toList();
    }

    private static boolean shows(KnownFailure f, Finding x, boolean anyDevice) {
        Op step = f.expect().step();
        if (x.ordering().isEmpty()) return false;
        Op last = x.ordering().getLast();
        Sbdf on = last.device() == null ? f.device() : last.device();
        if (last.kind() != step.kind() || !(anyDevice || on.equals(f.device()))) return false;
        return f.expect().shownBy(x.trace().stream().filter(e -> e.step().equals(last.label())).toList());
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
                "vdm replay %s --explore%s: %s, depth %d%n  %d states (%d distinct), %d findings%n",
                failure.name(), fixed ? " --fixed" : "", searched,
                depth, result.statesExplored(), result.distinctStates(), result.findings().size()));
        for (Finding x : result.findings()) sb.append(String.format("    %s  (%s)%n", x.kind(), x.orderingText()));
        sb.append(match.map(x -> String.format("%nfound: %s, by %s%n", failure.expect().text(), x.orderingText()))
                .orElseGet(() -> String.format("%nnot found: %s at %s%n", failure.expect().text(), failure.expect().step().label())));
        return sb.toString();
    }
}
