package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.fingerprint.StateHash;
import vdm.host.WideHost;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.persist.Snapshot;
import vdm.snapshot.ModelState;

/**
 * {@link RestoreEqualsReplayTest} over two devices and two guests: a restored state plus one operation equals the
 * ordering replayed from boot, and a restored state offers exactly the operations the replayed one does. The second
 * is what shows the run finds again, from the model alone, which device a restore is owed to (the state records only
 * that one is) and which guests are blank. Every ordering to depth 3, no pruning.
 */
class RestoreEqualsReplayOverDevicesTest {
    private record Node(List<Op> ordering, ModelState state, int owed) {}

    private static final List<OpKind> KINDS = List.of(OpKind.ENABLE, OpKind.BAR_MOVE, OpKind.RESET, OpKind.NOTIFY, OpKind.RESTORE,
            OpKind.ASSIGN, OpKind.ATTACH, OpKind.DETACH, OpKind.MAP_BEFORE_ASSIGN, OpKind.INTX);

    private static Run replay(Supplier<Run> fresh, List<Op> ordering) {
        Run r = fresh.get();
        for (Op o : ordering) {
            if (!o.applies(r)) throw new AssertionError(ordering + ": " + o.label() + " does not apply on the replay");
            o.apply(r);
        }
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"broken", "upstream"})
    void aRestoredStateOffersAndReachesWhatTheReplayDoes(String preset) {
        Preset p = Preset.of(preset);
        Setting s = new Setting(List.of(WideHost.NIC, WideHost.VIRTIO_NET), 2);
        List<Op> all = s.ops(KINDS);
        Supplier<Run> fresh = () -> new Run(TestHost.WIDE.builder().preset(p).tracing(false).invariants(false).build(), s);
        Run work = fresh.get();
        List<Node> frontier = List.of(new Node(List.of(), ModelState.capture(work.vdm()), 0));
        int compared = 0, owed = 0;
        Set<StateHash.Fingerprint> states = new HashSet<>();
        for (int level = 0; level < 3; level++) {
            List<Node> next = new ArrayList<>();
            for (Node n : frontier) {
                Run at = replay(fresh, n.ordering());
                n.state().restore(work.vdm());
                work.owed(n.owed());
                if (n.owed() != 0) owed++;
                List<Op> offered = all.stream().filter(op -> op.applies(work)).toList();
                assertEquals(all.stream().filter(op -> op.applies(at)).toList(), offered, n.ordering() + ": the operations offered");
                for (Op op : offered) {
                    n.state().restore(work.vdm());
                    work.owed(n.owed());
                    List<Failure> got = op.apply(work);
                    List<Op> ordering = new ArrayList<>(n.ordering());
                    ordering.add(op);
                    Run replayed = fresh.get();
                    List<Failure> want = List.of();
                    for (Op o : ordering) {
                        if (!o.applies(replayed)) throw new AssertionError(ordering + ": " + o.label() + " does not apply on the replay");
                        want = o.apply(replayed);
                    }
                    assertEquals(want, got, ordering + ": the operation's answer");
                    ModelState reached = ModelState.capture(work.vdm(), n.state());
                    if (!reached.fingerprint().equals(ModelState.capture(replayed.vdm()).fingerprint())) {
                        assertEquals(Snapshot.save(replayed.vdm()), Snapshot.save(work.vdm()), ordering + ": the state reached");
                    }
                    assertEquals(replayed.owed(), work.owed(), ordering + ": the device owing a restore");
                    compared++;
                    states.add(reached.fingerprint());
                    next.add(new Node(ordering, reached, work.owed()));
                }
            }
            frontier = next;
        }
        System.out.printf("%s over two devices and two guests: %d orderings compared, %d states owing a restore, %d distinct states%n",
                preset, compared, owed, states.size());
        assertTrue(compared >= 200 && owed >= 4 && states.size() >= 40, compared + " orderings, " + owed + " owing, " + states.size() + " states");
    }
}
