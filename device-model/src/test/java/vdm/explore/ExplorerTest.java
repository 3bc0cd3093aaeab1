package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.system.Trace;

/** The ordering explorer finds the seed's failures by itself under broken, and only Xen's open limitation upstream. */
class ExplorerTest {
    private static Explorer.Result explore(Preset p, int depth) {
        return new Explorer(() -> Vdm.defaultHost().preset(p), DefaultHost.NIC, Op.STANDARD).explore(depth);
    }

    private static boolean has(Explorer.Result r, String ordering, String text) {
        return r.findings().stream().anyMatch(f -> f.orderingText().equals(ordering) && f.message().contains(text));
    }

    private static String list(Explorer.Result r) {
        StringBuilder sb = new StringBuilder();
        for (Finding f : r.findings()) sb.append(f.orderingText()).append("  =>  ").append(f.message()).append('\n');
        return sb.toString();
    }

    @Test
    void underBrokenItFindsTheFourFailuresWithTheShortestOrderings() {
        Explorer.Result r = explore(Preset.BROKEN, 4);
        assertTrue(has(r, "reset", "vpci-cache at 0000:00:03.0 BAR0: expected enabled=false"), list(r));
        assertTrue(has(r, "assign", "pciback's restore was dropped: BAR0 reads 0x0"), list(r));
        assertTrue(has(r, "assign -> attach", "xc_physdev_map_pirq irq=17 (error=-1): Function not implemented"), list(r));
        assertTrue(has(r, "assign -> attach", "xc_domain_irq_permission irq=17 (error=-1): Operation not permitted"), list(r));
        assertTrue(has(r, "assign -> attach", "map_pirq was given 17 (dom0's IRQ number), the device is on GSI 28: the wrong line"), list(r));
        assertTrue(has(r, "bar-move-hot", "dom0 repositioned BAR0 with memory decoding on"), list(r));
    }

    @Test
    void underUpstreamTheOnlyFindingIsXensRefusalToMoveAMapped32BitBar() {
        Explorer.Result r = explore(Preset.UPSTREAM, 4);
        assertEquals(1, r.findings().size(), list(r));
        Finding f = r.findings().getFirst();
        assertEquals(List.of(Op.BAR_MOVE_HOT), f.ordering());
        assertTrue(f.trace().stream().anyMatch(e -> e.source() == Trace.Source.XEN
                && e.message().contains("0000:00:03.0: ignored BAR 0 write while mapped")), list(r));
        assertTrue(r.statesExplored() > 100 && r.distinctStates() > 20, () -> r.statesExplored() + " states");
    }

    @Test
    void withSrsInTheOperationsUpstreamShowsTheStaleGsiOfBjornsReview() {
        Explorer e = new Explorer(() -> Vdm.defaultHost().preset(Preset.UPSTREAM), DefaultHost.NVME,
                List.of(Op.ASSIGN, Op.SRS, Op.ATTACH));
        Explorer.Result r = e.explore(3);
        assertTrue(r.findings().stream().anyMatch(f -> f.message().startsWith("dom0-gsi-current")), list(r));
    }

    @Test
    void overEveryStateTheStandardOperationsReachUpstreamStillHasOnlyTheLimitation() {
        Explorer.Result r = explore(Preset.UPSTREAM, 12);
        Explorer.Result deeper = explore(Preset.UPSTREAM, 16);
        assertEquals(r.distinctStates(), deeper.distinctStates(), "depth 12 already reaches every state");
        assertEquals(1, r.findings().size(), list(r));
        assertEquals(List.of(Op.BAR_MOVE_HOT), r.findings().getFirst().ordering());
    }

    @Test
    void theSearchReportsItsMemoryAndEachFindingReplaysFromBoot() {
        Explorer.Result r = explore(Preset.BROKEN, 8);
        assertTrue(r.seenSetBytes() > 0 && r.frontierBytes() > 0 && r.bytesPerStoredState() > 0, r::toString);
        for (Finding f : r.findings()) {
            Trace t = Explorer.replay(() -> Vdm.defaultHost().preset(Preset.BROKEN), DefaultHost.NIC, f.ordering());
            assertTrue(t.events().stream().anyMatch(e -> e.verdict() == Trace.Verdict.FAILED
                            && (e.source() == Trace.Source.STEP || e.source() == Trace.Source.INVARIANT)),
                    () -> f.orderingText() + " => " + f.message() + " does not fail on replay");
        }
    }
}
