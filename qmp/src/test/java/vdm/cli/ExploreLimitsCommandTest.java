package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vdm explore --threads --max-states --max-memory --checkpoint --resume} and the progress line. */
class ExploreLimitsCommandTest {
    private static final String[] SEARCH = {"explore", "--preset", "broken", "--device", "0000:00:03.0", "--depth", "8", "--quiet"};

    private static String[] with(String... more) {
        String[] out = java.util.Arrays.copyOf(SEARCH, SEARCH.length + more.length);
        System.arraycopy(more, 0, out, SEARCH.length, more.length);
        return out;
    }

    /** "N findings; N states explored (N distinct)": what must not depend on threads, stops or the time. */
    private static String counts(String out) {
        Matcher m = Pattern.compile("\\d+ findings; \\d+ states explored \\(\\d+ distinct\\)").matcher(out);
        assertTrue(m.find(), out);
        return m.group();
    }

    @Test
    void aSearchStoppedByMaxStatesAndResumedFromItsCheckpointEndsAsTheWholeSearch(@TempDir Path dir) throws Exception {
        Cli whole = Cli.run(with("--threads", "1"));
        assertEquals(1, whole.exit(), whole.out() + whole.err());
        Path cp = dir.resolve("cp.json");
        Cli stopped = Cli.run(with("--threads", "2", "--max-states", "60", "--checkpoint", cp.toString()));
        assertTrue(stopped.out().contains("stopped: reached "), stopped.out());
        assertTrue(stopped.out().contains("(continue with --resume " + cp + ")"), stopped.out());
        assertTrue(Files.readString(cp).startsWith("{\"format\":\"vdm-explore-checkpoint\""));
        Cli resumed = Cli.run(with("--threads", "2", "--resume", cp.toString()));
        assertTrue(!resumed.out().contains("stopped:"), resumed.out());
        assertEquals(counts(whole.out()), counts(resumed.out()));
        assertEquals(whole.exit(), resumed.exit());
    }

    @Test
    void theProgressLineGoesToStderrWithStatesRateFrontierAndFindings() {
        Cli r = Cli.run(with("--progress-every", "0", "--threads", "2"));
        assertTrue(r.err().lines().anyMatch(l -> l.matches("explore: \\d+ states \\(\\d+ distinct\\), \\d+ states/s, level \\d+ of 8, "
                + "frontier \\d+ left, \\d+ findings, [0-9.]+ MiB stored")), r.err());
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("explore: ")), r.out());
    }

    @Test
    void badLimitsThreadsAndCheckpointsAreUsageErrors(@TempDir Path dir) throws Exception {
        Cli mem = Cli.run(with("--max-memory", "12X"));
        assertEquals(2, mem.exit());
        assertEquals("vdm explore: '12X' is not a size (bytes, or a number with K, M or G)\n", mem.err());
        assertEquals(2, Cli.run(with("--threads", "0")).exit());
        Cli none = Cli.run(with("--resume", dir.resolve("none.json").toString()));
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("--resume " + dir.resolve("none.json") + ": No such file or directory"), none.err());
        Path cp = dir.resolve("cp.json");
        Cli.run(with("--max-states", "40", "--checkpoint", cp.toString()));
        Cli deeper = Cli.run("explore", "--preset", "broken", "--device", "0000:00:03.0", "--depth", "9", "--resume", cp.toString());
        assertEquals(2, deeper.exit());
        assertEquals("vdm explore: --resume " + cp + ": the checkpoint is of a search to depth 8, not 9\n", deeper.err());
        Cli upstream = Cli.run("explore", "--preset", "upstream", "--device", "0000:00:03.0", "--depth", "8", "--resume", cp.toString());
        assertEquals(2, upstream.exit());
        assertTrue(upstream.err().contains(": the checkpoint was taken with fixes A reset-notification=off"), upstream.err());
        Files.writeString(dir.resolve("bad.json"), "{}");
        Cli bad = Cli.run(with("--resume", dir.resolve("bad.json").toString()));
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("member 'format'"), bad.err());
        Cli notDir = Cli.run(with("--max-states", "40", "--checkpoint", dir.resolve("bad.json").resolve("cp.json").toString()));
        assertEquals(2, notDir.exit());
        assertTrue(notDir.err().contains("Not a directory"), notDir.err());
    }
}
