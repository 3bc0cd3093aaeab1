package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vdm.Vdm;
import vdm.fingerprint.StateHash;
import vdm.host.DefaultHost;
import vdm.pci.Sbdf;
import vdm.model.Preset;
import vdm.persist.Snapshot;
import vdm.snapshot.ModelState;

/**
 * The explorer's shortcut is sound: every state it reaches by putting a captured state back and applying one
 * operation is the state (and the operation answers what) a fresh model gives when the whole ordering is replayed
 * from boot. Every ordering up to depth 3 of every operation, no pruning.
 *
 * <p>It also proves that it compared something: the first level compares every operation that applies after boot,
 * each deeper level more orderings than the one before, and the whole run at least {@link #MIN_ORDERINGS} orderings
 * reaching at least {@link #MIN_STATES} distinct states, so a loop that silently compared nothing (or stopped
 * extending its frontier) fails instead of passing.
 */
class RestoreEqualsReplayTest {
    private static final int DEPTH = 3;
    /** Measured: 147 (broken on the NIC) to 290 (upstream on the NVMe) orderings; one level alone is under 10. */
    private static final int MIN_ORDERINGS = 100;
    /** Measured: 31 (broken on the NIC) to 55 distinct states reached. */
    private static final int MIN_STATES = 20;

    private record Node(List<Op> ordering, ModelState state, int owed) {}

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"broken, 0000:00:03.0", "upstream, 0000:00:03.0", "series-v4, 0000:00:03.0", "upstream, 0000:01:00.0", "broken, 0000:01:00.0"})
    void aRestoredStatePlusOneOperationEqualsTheOrderingReplayedFromBoot(String preset, String device) {
        Preset p = Preset.of(preset);
        Sbdf sbdf = Sbdf.parse(device);
        Supplier<Run> fresh = () -> new Run(Vdm.defaultHost().preset(p).tracing(false).invariants(false).build(), sbdf);
        Run work = fresh.get();
        List<Op> all = List.of(Op.values());
        List<Node> frontier = List.of(new Node(List.of(), ModelState.capture(work.vdm()), 0));
        int[] compared = new int[DEPTH];
        Set<StateHash.Fingerprint> states = new HashSet<>();
        for (int level = 0; level < DEPTH; level++) {
            List<Node> next = new ArrayList<>();
            for (Node n : frontier) {
                for (Op op : all) {
                    n.state().restore(work.vdm());
                    work.owed(n.owed());
                    if (!op.applies(work)) continue;
                    List<Failure> got = op.apply(work);
                    List<Op> ordering = new ArrayList<>(n.ordering());
                    ordering.add(op);
                    Run replay = fresh.get();
                    List<Failure> want = List.of();
                    for (Op o : ordering) {
                        if (!o.applies(replay)) throw new AssertionError(ordering + ": " + o.label() + " does not apply on the replay");
                        want = o.apply(replay);
                    }
                    assertEquals(want, got, ordering + ": the operation's answer");
                    ModelState reached = ModelState.capture(work.vdm(), n.state());
                    if (!reached.fingerprint().equals(ModelState.capture(replay.vdm()).fingerprint())) {
                        assertEquals(Snapshot.save(replay.vdm()), Snapshot.save(work.vdm()), ordering + ": the state reached");
                    }
                    assertEquals(replay.owed(), work.owed(), ordering + ": the device owing a restore");
                    compared[level]++;
                    states.add(reached.fingerprint());
                    next.add(new Node(ordering, reached, work.owed()));
                }
            }
            frontier = next;
        }
        String what = String.format("%s on %s: %s orderings compared by depth, %d distinct states", preset, device,
                Arrays.toString(compared), states.size());
        System.out.println(what);
        Run boot = fresh.get();
        long afterBoot = all.stream().filter(op -> op.applies(boot)).count();
        assertEquals(afterBoot, compared[0], what + ": depth 1 compares every operation that applies after boot");
        for (int level = 1; level < DEPTH; level++) {
            assertTrue(compared[level] > compared[level - 1], what + ": depth " + (level + 1) + " compares more orderings than depth " + level);
        }
        assertTrue(Arrays.stream(compared).sum() >= MIN_ORDERINGS, what + ": fewer than " + MIN_ORDERINGS + " orderings");
        assertTrue(states.size() >= MIN_STATES, what + ": fewer than " + MIN_STATES + " distinct states");
    }
}
