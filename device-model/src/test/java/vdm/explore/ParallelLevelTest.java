package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.system.Machine;

/** The level runner hands results over in node order, stops where the merge says, and passes a worker's failure on. */
class ParallelLevelTest {
    private static final List<Op> OPS = List.of(Op.DISABLE, Op.RESTORE);

    private static Expander worker() {
        Machine m = Vdm.defaultHost().preset(Preset.BROKEN).tracing(false).monitor(Machine.StepMonitor.NONE).build();
        return new Expander(new Run(m, DefaultHost.NIC), OPS, 2);
    }

    /** A root and {@code n} nodes below it, each reached by operation {@code op}. */
    private static Frontier.Level[] levels(int n, int op) {
        Frontier.Level root = new Frontier.Level(1);
        root.add(-1, 0, 0, 0);
        Frontier.Level one = new Frontier.Level(n);
        for (int i = 0; i < n; i++) one.add(0, op, 0, 0);
        return new Frontier.Level[] {root, one};
    }

    @Test
    void successorsArriveInNodeOrderAndTheMergeCanStopThem() {
        ParallelLevel p = new ParallelLevel(List.of(worker(), worker()));
        List<Integer> seen = new ArrayList<>();
        // 200 nodes, each the device disabled at boot; the merge stops after node 150.
        boolean whole = p.run(levels(200, 0), List.of(Set.of()), 1, 3, (i, children) -> {
            seen.add(i);
            return i < 150;
        });
        assertEquals(false, whole);
        List<Integer> expected = new ArrayList<>();
        for (int i = 3; i <= 150; i++) expected.add(i);
        assertEquals(expected, seen);
    }

    @Test
    void aWorkersFailureReachesTheCallerWithItsMessage() {
        ParallelLevel p = new ParallelLevel(List.of(worker(), worker()));
        // restore does not apply at boot (no reset owed), so re-deriving these nodes fails on whichever worker has them.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> p.run(levels(200, 1), List.of(Set.of()), 1, 0, (i, children) -> true));
        assertTrue(e.getMessage().startsWith("restore applied at node "), e.getMessage());
    }
}
