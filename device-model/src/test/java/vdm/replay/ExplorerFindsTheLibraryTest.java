package vdm.replay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.explore.Explorer;
import vdm.explore.Finding;
import vdm.system.Trace;

/**
 * The explorer, given an entry's host, device and operations but not its ordering, finds the failure by itself within
 * the entry's stated depth: one finding whose replay shows the entry's text at the entry's failing operation.
 */
class ExplorerFindsTheLibraryTest {
    static Stream<String> searchable() {
        return FailureLibrary.all().stream().filter(f -> f.explorer().finds()).map(KnownFailure::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searchable")
    void theExplorerFindsTheFailureWithinTheStatedDepth(String name) {
        KnownFailure f = FailureLibrary.named(name);
        Explorer.Result r = new Explorer(Replay.model(f, false), f.device(), f.explorerOps()).explore(f.explorer().depth());
        boolean found = r.findings().stream().anyMatch(x -> shows(f, x));
        assertTrue(found, () -> name + ": no finding shows '" + f.expect().text() + "' at " + f.expect().step().label()
                + "; findings: " + r.findings().stream().map(Finding::kind).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searchable")
    void withTheFixOnTheExplorerDoesNotFindIt(String name) {
        KnownFailure f = FailureLibrary.named(name);
        Explorer.Result r = new Explorer(Replay.model(f, true), f.device(), f.explorerOps()).explore(f.explorer().depth());
        assertFalse(r.findings().stream().anyMatch(x -> shows(f, x)), () -> name + ": found with the fix on");
    }

    /** The finding's ordering ends with the failing operation and its replay has the text in that step, failed. */
    private static boolean shows(KnownFailure f, Finding x) {
        if (x.ordering().isEmpty() || x.ordering().getLast() != f.expect().step()) return false;
        String step = f.expect().step().label();
        boolean failed = x.trace().stream().anyMatch(e -> e.step().equals(step) && e.verdict() == Trace.Verdict.FAILED);
        return failed && x.trace().stream().anyMatch(e -> e.step().equals(step) && (e.message().contains(f.expect().text()) || e.detail().contains(f.expect().text())));
    }
}
