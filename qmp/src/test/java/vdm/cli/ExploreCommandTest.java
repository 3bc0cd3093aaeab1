package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExploreCommandTest {
    @Test
    void brokenFindsTheRefusedMapPirqAndWritesAReplayableScenarioFile(@TempDir Path dir) throws Exception {
        Cli r = Cli.run("explore", "--preset", "broken", "--device", "0000:00:03.0", "--ops", "assign,attach", "--depth", "2",
                "--out", dir.toString(), "--quiet");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("xc_physdev_map_pirq irq=17 (error=-1): Function not implemented"), r.out());
        Path file;
        try (var files = Files.list(dir)) {
            file = files.filter(p -> {
                try {
                    return Files.readString(p).contains("\"ops\": [\"assign\", \"attach\"]");
                } catch (Exception e) {
                    return false;
                }
            }).findFirst().orElseThrow();
        }
        Cli replay = Cli.run("explore", "--replay", file.toString());
        assertEquals(1, replay.exit(), replay.out());
        assertTrue(replay.out().contains("attach: xc_physdev_map_pirq: -ENOSYS"), replay.out());
    }

    @Test
    void upstreamWithoutTheHotBarMoveFindsNothingAndBadInputExitsTwo() {
        Cli r = Cli.run("explore", "--preset", "upstream", "--ops", "enable,disable,assign,attach,detach,guest-bar,intx", "--depth", "3");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("0 findings;"), r.out());
        assertEquals(2, Cli.run("explore", "--ops", "fly").exit());
        assertTrue(Cli.run("explore", "--ops", "fly").err().contains("unknown operation 'fly'"));
        assertEquals(2, Cli.run("explore", "--depth", "0").exit());
    }

    @Test
    void withoutADeviceItExploresTheHostsFirstAssignableEndpointAndSaysSo() {
        Cli r = Cli.run("explore", "--preset", "upstream", "--host", ScenarioCommandTest.examples().resolve("wide-host.json").toString(),
                "--ops", "assign,attach", "--depth", "2", "--quiet");
        // Exit 1 is a finding on the wide host, not bad input (2): the choice is what is checked here.
        assertTrue(r.exit() == 0 || r.exit() == 1, r.out() + r.err());
        assertTrue(r.out().contains("device 0000:00:02.0, depth 2"), r.out());
        assertTrue(r.out().contains("device 0000:00:02.0 (e1000e), the host's first assignable endpoint in SBDF order"), r.out());
    }

    @Test
    void overTwoDevicesAndTwoGuestsEachFindingNamesItsDeviceAndItsScenarioFileReplays(@TempDir Path dir) throws Exception {
        Cli r = Cli.run("explore", "--preset", "broken", "--devices", "0000:00:02.0,0000:00:03.0", "--guests", "2", "--ops", "assign,attach",
                "--depth", "2", "--out", dir.toString(), "--quiet");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("devices 0000:00:02.0,0000:00:03.0, 2 guests, depth 2, operations assign,attach on each device (6 operations)"), r.out());
        assertTrue(r.out().contains("ordering: assign(0000:00:03.0) -> attach(0000:00:03.0->g1)"), r.out());
        Path file;
        try (var files = Files.list(dir)) {
            file = files.filter(p -> {
                try {
                    return Files.readString(p).contains("\"ops\": [\"assign(0000:00:03.0)\", \"attach(0000:00:03.0->g1)\"]");
                } catch (Exception e) {
                    return false;
                }
            }).findFirst().orElseThrow();
        }
        Cli replay = Cli.run("explore", "--replay", file.toString());
        assertEquals(1, replay.exit(), replay.out() + replay.err());
        assertTrue(replay.out().contains("attach(0000:00:03.0->g1): xc_physdev_map_pirq: -ENOSYS"), replay.out());
    }

    @Test
    void badDevicesOrGuestsAreUsageErrorsNamingTheProblem() {
        Cli five = Cli.run("explore", "--devices", "all", "--guests", "5");
        assertEquals(2, five.exit());
        assertTrue(five.err().contains("--guests must be 1..4, not 5"), five.err());
        Cli unknown = Cli.run("explore", "--devices", "0000:00:09.0");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("--devices: the host has no function 0000:00:09.0"), unknown.err());
        Cli both = Cli.run("explore", "--devices", "all", "--device", "0000:00:03.0");
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("--devices and --device"), both.err());
        Cli garbled = Cli.run("explore", "--devices", "00:03.0,nope");
        assertEquals(2, garbled.exit());
        assertTrue(garbled.err().contains("'nope' is not a PCI address"), garbled.err());
    }
}
