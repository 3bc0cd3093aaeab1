package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.host.WideHost;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.system.Machine;

/**
 * The parallel engine over several devices and two guests (the merge of issue 18's two halves): each worker's run
 * re-derives states whose owed restore {@link Run} finds from the model or from the search's one shared map, and
 * guest symmetry decides what is offered from the state alone, so 1 and 2 threads must agree to the ordering, and a
 * search stopped and resumed by new explorers (a map of their own, refilled as states are re-derived) must end as
 * the whole one.
 */
class ParallelOverDevicesTest {
    /** Three devices on the wide host: two on one level-triggered GSI (00:02.0, 00:03.0) and the bridge's second function. */
    private static final Setting THREE = new Setting(List.of(WideHost.NIC, WideHost.VIRTIO_NET, WideHost.SECOND_FUNCTION), 2);
    /** The INTx-era kinds (reset, notify and restore among them) and dom0-intx: a reset's restore owed to one device of three. */
    private static final List<OpKind> KINDS = java.util.stream.Stream.concat(Op.kinds(Op.STANDARD).stream(), java.util.stream.Stream.of(OpKind.DOM0_INTX)).toList();
    private static final int DEPTH = 4;

    private static Explorer explorer(Preset p) {
        Supplier<Machine.Builder> wide = () -> TestHost.WIDE.builder().preset(p);
        return new Explorer(wide, THREE, THREE.ops(KINDS));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"BROKEN", "UPSTREAM"})
    void threeDevicesAndTwoGuestsGiveTheSameFindingsOrderingsAndCountsOnOneAndTwoThreads(Preset p) {
        Explorer.Result one = explorer(p).explore(Explorer.Options.depth(DEPTH).threads(1));
        Explorer.Result two = explorer(p).explore(Explorer.Options.depth(DEPTH).threads(2));
        System.out.printf("%s, 3 devices, 2 guests, depth %d: %d explored, %d distinct, %d findings%n", p, DEPTH,
                one.statesExplored(), one.distinctStates(), one.findings().size());
        // Large enough that the level runs in many chunks over both workers (ParallelLevel: under 64 nodes, worker 0 alone).
        assertTrue(one.maxFrontier() > 64 * 16, () -> "largest level " + one.maxFrontier());
        assertFalse(one.findings().isEmpty(), ParallelSearchTest.summary(one));
        assertTrue(one.findings().stream().flatMap(f -> f.ordering().stream()).anyMatch(o -> o.guest() == 2 || !WideHost.NIC.equals(o.device())),
                () -> "no finding names a second device or guest: " + ParallelSearchTest.summary(one));
        assertEquals(ParallelSearchTest.summary(one), ParallelSearchTest.summary(two));
        for (int i = 0; i < one.findings().size(); i++) {
            assertEquals(one.findings().get(i).ordering(), two.findings().get(i).ordering(), "finding " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"BROKEN", "UPSTREAM"})
    void stoppedTwiceAndResumedByNewExplorersEndsAsTheWholeSearch(Preset p) {
        Explorer.Result whole = explorer(p).explore(Explorer.Options.depth(DEPTH).threads(2));
        long a = whole.distinctStates() / 3, b = 2 * whole.distinctStates() / 3;
        Explorer.Result first = explorer(p).explore(Explorer.Options.depth(DEPTH).threads(2).limits(new SearchLimits(a, 0)));
        assertFalse(first.complete(), first::toString);
        Explorer.Result second = explorer(p).explore(Explorer.Options.depth(DEPTH).threads(1).limits(new SearchLimits(b, 0))
                .resume(first.stop().checkpoint()));
        assertFalse(second.complete(), second::toString);
        assertTrue(second.distinctStates() >= b, second::toString);
        Explorer.Result last = explorer(p).explore(Explorer.Options.depth(DEPTH).threads(2).resume(second.stop().checkpoint()));
        assertTrue(last.complete(), last::toString);
        assertEquals(ParallelSearchTest.summary(whole), ParallelSearchTest.summary(last));
    }
}
