package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.explore.Checkpoint;
import vdm.explore.Explorer;
import vdm.explore.Finding;
import vdm.explore.Op;
import vdm.explore.SearchLimits;
import vdm.hosts.TestHost;
import vdm.model.Preset;

/** A checkpoint written as JSON and read back resumes the search to the uninterrupted result; a bad one is refused. */
class CheckpointFileTest {
    private static Explorer explorer() {
        return new Explorer(() -> TestHost.WIDE.builder().preset(Preset.BROKEN), vdm.host.WideHost.SECOND_FUNCTION, List.of(Op.values()));
    }

    private static String summary(Explorer.Result r) {
        StringBuilder sb = new StringBuilder(r.statesExplored() + " " + r.distinctStates() + " " + r.maxFrontier() + "\n");
        for (Finding f : r.findings()) sb.append(f.kind()).append(" | ").append(f.message()).append(" | ").append(f.orderingText()).append('\n');
        return sb.toString();
    }

    private static Checkpoint stopped() {
        return explorer().explore(Explorer.Options.depth(5).limits(new SearchLimits(800, 0))).stop().checkpoint();
    }

    @Test
    void aCheckpointReadBackFromItsJsonResumesToTheUninterruptedResult() {
        Checkpoint c = stopped();
        String json = CheckpointFile.toJson(c);
        Checkpoint back = CheckpointFile.parse(json);
        assertEquals(json, CheckpointFile.toJson(back));
        assertEquals(c.distinctStates(), back.distinctStates());
        Explorer.Result resumed = explorer().explore(Explorer.Options.depth(5).threads(2).resume(back));
        assertEquals(summary(explorer().explore(5)), summary(resumed));
    }

    @Test
    void aCheckpointOfMillionsOfStatesReadsBack() {
        long[] seen = new long[2 * 1_500_000]; // 24 MB of fingerprints, 32 MB of base64: past Jackson's default string limit
        for (int i = 0; i < seen.length; i++) seen[i] = i * 0x9e3779b97f4a7c15L + 1;
        Checkpoint c = new Checkpoint(List.of("enable"), 1, "A reset-notification=off", 1, 2, 0, 1,
                List.of(new Checkpoint.Level(new int[] {-1}, new short[] {0}, new byte[] {0}, new int[] {0}),
                        new Checkpoint.Level(new int[0], new short[0], new byte[0], new int[0])),
                List.of(List.of()), seen, List.of(), 0, 1, 0);
        Checkpoint back = CheckpointFile.parse(CheckpointFile.toJson(c));
        assertEquals(1_500_000, back.distinctStates());
        assertEquals(seen[seen.length - 1], back.seen()[seen.length - 1]);
    }

    @Test
    void aDocumentOfAnotherFormatOrVersionOrOneThatDoesNotHoldTogetherIsRefused() {
        String json = CheckpointFile.toJson(stopped());
        assertEquals("member 'format' must be \"vdm-explore-checkpoint\", not \"vdm-snapshot\"",
                assertThrows(IllegalArgumentException.class, () -> CheckpointFile.parse(json.replace("vdm-explore-checkpoint", "vdm-snapshot"))).getMessage());
        assertEquals("member 'version' must be 2, not 1",
                assertThrows(IllegalArgumentException.class, () -> CheckpointFile.parse(json.replace("\"version\":2", "\"version\":1"))).getMessage());
        String noNext = json.replaceFirst("\"next\":\\d+", "\"next\":-4");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CheckpointFile.parse(noNext)).getMessage().contains("next node -4"));
        String noSeen = json.replaceFirst("\"seen\":\"[^\"]*\"", "\"seen\":\"!!\"");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CheckpointFile.parse(noSeen)).getMessage().startsWith("member 'seen' is not base64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CheckpointFile.parse("{\"format\": 1")).getMessage().startsWith("not a checkpoint"));
    }
}
