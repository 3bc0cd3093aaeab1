package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.system.Machine;

/** A search stopped by a limit leaves a checkpoint; resumed, on any thread count, it ends where the whole search ends. */
class StopAndResumeTest {
    private static final Supplier<Machine.Builder> WIDE = () -> TestHost.WIDE.builder().preset(Preset.BROKEN);

    private static Explorer explorer() {
        return new Explorer(WIDE, vdm.host.WideHost.SECOND_FUNCTION, ParallelSearchTest.ALL);
    }

    @Test
    void aSearchStoppedTwiceAndResumedEndsAsTheUninterruptedOne() {
        Explorer.Result whole = explorer().explore(5);
        for (int threads = 1; threads <= 2; threads++) {
            Explorer.Result first = explorer().explore(Explorer.Options.depth(5).threads(threads).limits(new SearchLimits(300, 0)));
            assertFalse(first.complete());
            assertTrue(first.distinctStates() >= 300 && first.distinctStates() < whole.distinctStates(), first::toString);
            assertTrue(first.stop().why().contains("--max-states 300"), first.stop().why());
            Checkpoint c1 = first.stop().checkpoint();
            assertEquals(first.distinctStates(), c1.distinctStates());
            Explorer.Result second = explorer().explore(Explorer.Options.depth(5).threads(3 - threads).limits(new SearchLimits(1000, 0)).resume(c1));
            assertFalse(second.complete());
            assertTrue(second.distinctStates() >= 1000, second::toString);
            Explorer.Result last = explorer().explore(Explorer.Options.depth(5).threads(threads).resume(second.stop().checkpoint()));
            assertTrue(last.complete());
            assertEquals(ParallelSearchTest.summary(whole), ParallelSearchTest.summary(last), threads + " threads first");
        }
    }

    @Test
    void aStopFallsOnTheSameNodeOnAnyThreadCount() {
        List<String> where = new ArrayList<>();
        for (int t = 1; t <= 3; t++) {
            Explorer.Result r = explorer().explore(Explorer.Options.depth(5).threads(t).limits(new SearchLimits(700, 0)));
            where.add(r.stop().level() + "/" + r.stop().nodesLeft() + "/" + r.distinctStates() + "/" + r.statesExplored());
        }
        assertEquals(1, where.stream().distinct().count(), where.toString());
    }

    @Test
    void theMemoryLimitStopsTheSearchOnceItsStoredStatesTakeThatMuch() {
        Explorer.Result r = explorer().explore(Explorer.Options.depth(5).limits(new SearchLimits(0, 64 * 1024)));
        assertNotNull(r.stop());
        assertTrue(r.seenSetBytes() + r.frontierBytes() >= 64 * 1024, r::toString);
        assertTrue(r.stop().why().contains("--max-memory 65536"), r.stop().why());
        Explorer.Result rest = explorer().explore(Explorer.Options.depth(5).resume(r.stop().checkpoint()));
        assertEquals(ParallelSearchTest.summary(explorer().explore(5)), ParallelSearchTest.summary(rest));
    }

    @Test
    void aLimitTheSearchNeverReachesChangesNothing() {
        Explorer.Result r = explorer().explore(Explorer.Options.depth(4).limits(new SearchLimits(1_000_000, 1L << 40)));
        assertTrue(r.complete());
        assertEquals(ParallelSearchTest.summary(explorer().explore(4)), ParallelSearchTest.summary(r));
    }

    @Test
    void aCheckpointOfAnotherSearchIsRefusedNamingWhatDiffers() {
        Checkpoint c = explorer().explore(Explorer.Options.depth(5).limits(new SearchLimits(300, 0))).stop().checkpoint();
        var depth = assertThrows(IllegalArgumentException.class, () -> explorer().explore(Explorer.Options.depth(6).resume(c)));
        assertEquals("the checkpoint is of a search to depth 5, not 6", depth.getMessage());
        var ops = assertThrows(IllegalArgumentException.class,
                () -> new Explorer(WIDE, vdm.host.WideHost.SECOND_FUNCTION, Op.STANDARD).explore(Explorer.Options.depth(5).resume(c)));
        assertTrue(ops.getMessage().startsWith("the checkpoint is of operations enable,disable,"), ops.getMessage());
        var model = assertThrows(IllegalArgumentException.class, () -> new Explorer(() -> Vdm.defaultHost().preset(Preset.BROKEN),
                DefaultHost.NIC, ParallelSearchTest.ALL).explore(Explorer.Options.depth(5).resume(c)));
        assertTrue(model.getMessage().contains("another model"), model.getMessage());
        // The fixes do not show in the boot state, so they are checked by name.
        var fixes = assertThrows(IllegalArgumentException.class, () -> new Explorer(() -> TestHost.WIDE.builder().preset(Preset.UPSTREAM),
                vdm.host.WideHost.SECOND_FUNCTION, ParallelSearchTest.ALL).explore(Explorer.Options.depth(5).resume(c)));
        assertTrue(fixes.getMessage().startsWith("the checkpoint was taken with fixes A reset-notification=off"), fixes.getMessage());
    }

    @Test
    void theProgressLineComesAtMostOnceAnIntervalAndSaysHowFarTheSearchIs() {
        List<String> lines = new ArrayList<>();
        long[] now = {0};
        // Each reading of the clock is 0.3 s later: a line every fourth node at a 1 s interval.
        Progress p = new Progress(lines::add, () -> now[0] += 300_000_000L, 1_000_000_000L);
        Explorer.Result r = explorer().explore(Explorer.Options.depth(4).progress(p));
        long nodes = r.distinctStates(); // at least the nodes expanded (those of the last level are not)
        assertTrue(lines.size() > 10, lines.toString());
        assertTrue(lines.size() <= nodes / 3, lines.size() + " lines for " + nodes + " states");
        String last = lines.getLast();
        assertTrue(last.matches("explore: \\d+ states \\(\\d+ distinct\\), \\d+ states/s, level \\d of 4, frontier \\d+ left, \\d+ findings, [0-9.]+ MiB stored"), last);
    }
}
