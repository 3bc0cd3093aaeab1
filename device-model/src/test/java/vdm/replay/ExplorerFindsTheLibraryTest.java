package vdm.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.explore.Finding;

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
        Search s = Search.run(f, false);
        assertTrue(s.found(), () -> name + ": no finding shows '" + f.expect().text() + "' at " + f.expect().step().label()
                + "; findings: " + s.result().findings().stream().map(Finding::kind).toList());
        assertEquals(1, s.exitCode());
    }

    /** The depth an entry states is the least at which the explorer finds it, so the README's figure is exact. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("searchable")
    void oneLevelShallowerTheExplorerDoesNotFindIt(String name) {
        KnownFailure f = FailureLibrary.named(name);
        Search s = Search.run(f, false, f.explorer().depth() - 1);
        assertFalse(s.found(), () -> name + ": found at depth " + s.depth() + " already\n" + s.render());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searchable")
    void withTheFixOnTheExplorerDoesNotFindIt(String name) {
        Search s = Search.run(FailureLibrary.named(name), true);
        assertFalse(s.found(), () -> name + ": found with the fix on\n" + s.render());
        assertEquals(0, s.exitCode());
    }
}
