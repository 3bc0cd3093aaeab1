package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every path on the command line that cannot be used is refused naming the option, the path and the system's reason
 * (the texts cat(1) and mkdir(1) print for the same paths), with exit 2 in every command.
 */
class PathArgumentErrorsTest {
    @TempDir
    Path dir;
    Path missing, file, underFile;

    @BeforeEach
    void files() throws Exception {
        missing = dir.resolve("nope.json");
        file = Files.writeString(dir.resolve("plain.txt"), "not a directory\n");
        underFile = file.resolve("x.json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scenario", "explore", "serve"})
    void aBadHostFileIsExit2WithTheReasonInEveryCommand(String command) {
        assertRefused(withHost(command, missing), command, "--host " + missing + ": No such file or directory");
        assertRefused(withHost(command, underFile), command, "--host " + underFile + ": Not a directory");
        assertRefused(withHost(command, dir), command, "--host " + dir + ": Is a directory");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scenario", "explore", "serve"})
    void aHostFileThatIsNotAHostDescriptionIsExit2InEveryCommand(String command) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"format\": ");
        Cli r = withHost(command, bad);
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("vdm " + command + ": bad.json line 1: "), r.err());
    }

    /** The command with --host, and for serve a socket in the temp dir (it must not get as far as listening). */
    private Cli withHost(String command, Path host) {
        return command.equals("serve") ? Cli.run(command, "--host", host.toString(), "--qmp", "unix:" + dir.resolve("s"))
                : Cli.run(command, "--host", host.toString());
    }

    @Test
    void exploreReplayOfAMissingFileNamesTheReason() {
        assertRefused(Cli.run("explore", "--replay", missing.toString()), "explore", "--replay " + missing + ": No such file or directory");
        assertRefused(Cli.run("explore", "--replay", underFile.toString()), "explore", "--replay " + underFile + ": Not a directory");
    }

    @Test
    void exploreOutOnAnExistingFileIsRefusedBeforeTheSearch() {
        Cli r = Cli.run("explore", "--preset", "broken", "--device", "0000:00:03.0", "--ops", "assign,attach", "--depth", "2",
                "--out", file.toString(), "--quiet");
        assertRefused(r, "explore", "--out " + file + ": Not a directory");
        assertEquals("", r.out(), "nothing explored");
        Cli below = Cli.run("explore", "--ops", "assign", "--depth", "1", "--out", underFile.resolve("d").toString());
        assertRefused(below, "explore", "--out " + underFile.resolve("d") + ": Not a directory");
    }

    @Test
    void serveOnAnUnresolvableHostSaysUnknownHostAndNoWarning() {
        Cli r = Cli.run("serve", "--qmp", "tcp:nope.invalid:4444");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("vdm serve: bad QMP address 'tcp:nope.invalid:4444': unknown host 'nope.invalid'"), r.err());
        assertFalse(r.err().contains("null"), r.err());
        assertFalse(r.err().contains("reachable"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void theQmpShellRefusesAnUnresolvableHostAsServeDoesAndFailsWith1WhereNobodyServes() {
        Cli r = Cli.run("qmp", "tcp:nope.invalid:4444");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("vdm qmp: bad QMP address 'tcp:nope.invalid:4444': unknown host 'nope.invalid'"), r.err());
        Cli none = Cli.run("qmp", "unix:" + missing);
        assertEquals(1, none.exit(), none.err());
        assertEquals("vdm qmp: cannot connect to unix:" + missing + ": No such file or directory\n", none.err());
    }

    @Test
    void serveLibxlDirThatIsAFileIsNotADirectory() {
        assertRefused(Cli.run("serve", "--libxl-dir", file.toString(), "--qmp", "unix:" + dir.resolve("s")), "serve",
                "--libxl-dir " + file + ": Not a directory");
    }

    @Test
    void hostCaptureRefusesMissingInputDirectoriesAndAnOutputWithoutAParent() {
        assertRefused(Cli.run("host", "capture", "--sysfs", missing.toString(), "--out", dir.resolve("h.json").toString()),
                "host capture", "--sysfs " + missing + ": No such file or directory");
        assertRefused(Cli.run("host", "capture", "--acpi", file.toString(), "--out", dir.resolve("h.json").toString()),
                "host capture", "--acpi " + file + ": Not a directory");
        assertRefused(Cli.run("host", "capture", "--out", dir.resolve("none").resolve("h.json").toString()),
                "host capture", "--out " + dir.resolve("none").resolve("h.json") + ": No such file or directory");
        assertRefused(Cli.run("host", "capture", "--out", underFile.toString()), "host capture", "--out " + underFile + ": Not a directory");
        assertFalse(Files.exists(dir.resolve("h.json")));
    }

    private static void assertRefused(Cli r, String command, String message) {
        assertEquals("vdm " + command + ": " + message + "\n", r.err());
        assertEquals(2, r.exit(), r.err());
    }
}
