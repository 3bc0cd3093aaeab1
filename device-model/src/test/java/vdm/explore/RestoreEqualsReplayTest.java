package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.pci.Sbdf;
import vdm.model.Preset;
import vdm.persist.Snapshot;
import vdm.snapshot.ModelState;

/**
 * The explorer's shortcut is sound: every state it reaches by putting a captured state back and applying one
 * operation is the state (and the operation answers what) a fresh model gives when the whole ordering is replayed
 * from boot. Every ordering up to depth 3 of every operation, no pruning.
 */
class RestoreEqualsReplayTest {
    private record Node(List<Op> ordering, ModelState state, boolean needsRestore) {}

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"broken, 0000:00:03.0", "upstream, 0000:00:03.0", "series-v4, 0000:00:03.0", "upstream, 0000:01:00.0", "broken, 0000:01:00.0"})
    void aRestoredStatePlusOneOperationEqualsTheOrderingReplayedFromBoot(String preset, String device) {
        Preset p = Preset.of(preset);
        Sbdf sbdf = Sbdf.parse(device);
        Supplier<Run> fresh = () -> new Run(Vdm.defaultHost().preset(p).tracing(false).invariants(false).build(), sbdf);
        Run work = fresh.get();
        List<Op> all = List.of(Op.values());
        List<Node> frontier = List.of(new Node(List.of(), ModelState.capture(work.vdm()), false));
        int compared = 0;
        for (int level = 0; level < 3; level++) {
            List<Node> next = new ArrayList<>();
            for (Node n : frontier) {
                for (Op op : all) {
                    n.state().restore(work.vdm());
                    work.needsRestore(n.needsRestore());
                    if (!op.applies(work)) continue;
                    List<String> got = op.apply(work);
                    List<Op> ordering = new ArrayList<>(n.ordering());
                    ordering.add(op);
                    Run replay = fresh.get();
                    List<String> want = List.of();
                    for (Op o : ordering) {
                        if (!o.applies(replay)) throw new AssertionError(ordering + ": " + o.label() + " does not apply on the replay");
                        want = o.apply(replay);
                    }
                    assertEquals(want, got, ordering + ": the operation's answer");
                    ModelState reached = ModelState.capture(work.vdm(), n.state());
                    if (!reached.fingerprint().equals(ModelState.capture(replay.vdm()).fingerprint())) {
                        assertEquals(Snapshot.save(replay.vdm()), Snapshot.save(work.vdm()), ordering + ": the state reached");
                    }
                    assertEquals(replay.needsRestore(), work.needsRestore(), ordering + ": restore owed");
                    compared++;
                    next.add(new Node(ordering, reached, work.needsRestore()));
                }
            }
            frontier = next;
        }
        System.out.printf("%s on %s: %d orderings compared%n", preset, device, compared);
    }
}
