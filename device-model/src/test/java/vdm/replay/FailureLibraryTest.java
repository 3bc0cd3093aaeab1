package vdm.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.host.DefaultHost;
import vdm.system.Trace;

/** Every entry of the library, both ways: it fails at its step with its text with the fix off, and is clean with it on. */
class FailureLibraryTest {
    static Stream<String> entries() {
        return FailureLibrary.all().stream().map(KnownFailure::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entries")
    void withTheFixOffTheFailingStepShowsTheNamedTextAndErrno(String name) {
        Replay.Result r = Replay.run(FailureLibrary.named(name), false);
        assertTrue(r.reproduced(), () -> r.verdict() + "\n" + r.render());
        assertEquals(1, r.exitCode());
        Replay.Step first = r.steps().stream().filter(s -> s.verdict() == Trace.Verdict.FAILED).findFirst().orElseThrow();
        assertEquals(r.failure().expect().step(), first.op(), () -> "the first step to fail is the named one\n" + r.render());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entries")
    void withTheFixOnNoStepFailsAndNoInvariantBreaks(String name) {
        Replay.Result r = Replay.run(FailureLibrary.named(name), true);
        assertTrue(r.clean(), () -> r.verdict() + "\n" + r.render());
        assertEquals(0, r.exitCode());
        assertTrue(r.steps().stream().noneMatch(s -> s.verdict() == Trace.Verdict.INFO), () -> "every operation applies\n" + r.render());
    }

    @Test
    void theLibraryRunsOnHostsOtherThanTheDefaultOne() {
        List<KnownFailure> elsewhere = FailureLibrary.all().stream()
                .filter(f -> !f.host().description().get().equals(DefaultHost.description())).toList();
        assertTrue(elsewhere.size() >= FailureLibrary.all().size() / 2, "most entries run on a host of their own");
    }

    @Test
    void anUnknownNameIsRefusedWithTheKnownOnes() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FailureLibrary.named("no-such-failure"));
        assertTrue(e.getMessage().contains("no-such-failure") && e.getMessage().contains("stale-vpci-cache"), e.getMessage());
    }

    @Test
    void theListHasALineWithNameAndSummaryAndOneWithTheSourceForEachEntry() {
        String list = FailureLibrary.list();
        for (KnownFailure f : FailureLibrary.all()) {
            assertTrue(list.contains(f.name() + " ") && list.contains(f.summary()) && list.contains(f.source()), f.name());
        }
        assertEquals(2 * FailureLibrary.all().size(), list.lines().count());
    }
}
