package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScenarioCommandTest {
    @Test
    void upstreamPassesAndPrintsAlignedStepsEndingWithASummary() {
        Cli r = Cli.run("scenario", "--preset", "upstream");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("ok    guest-interrupt     INTx on GSI 28 reached the guest on vector 0x51"), r.out());
        assertTrue(r.out().strip().endsWith("8 steps, 0 failed"), r.out());
    }

    @Test
    void brokenFailsWithTheRealMessagesAndExitsOne() {
        Cli r = Cli.run("scenario", "--preset", "broken");
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("FAIL  pci-attach"), r.out());
        assertTrue(r.out().contains("libxl     Domain 1:xc_physdev_map_pirq irq=17 (error=-1): Function not implemented"), r.out());
    }

    @Test
    void jsonPrintsOneObjectPerLineAndBadArgumentsExitTwo() {
        Cli r = Cli.run("scenario", "--preset", "series-v4", "--device", "0000:01:00.0", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().allMatch(l -> l.startsWith("{\"") && l.endsWith("}")), r.out());
        Cli bad = Cli.run("scenario", "--preset", "nope");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown preset 'nope'; known: broken, series-v4, upstream"), bad.err());
        assertEquals(2, Cli.run("scenario", "--device", "00:1f.7").exit());
    }
}
