package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ScenarioCommandTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine(new ByteArrayInputStream(new byte[0]));
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void upstreamPassesAndPrintsAlignedStepsEndingWithASummary() {
        Run r = run("scenario", "--preset", "upstream");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("ok    guest-interrupt     INTx on GSI 28 reached the guest on vector 0x51"), r.out());
        assertTrue(r.out().strip().endsWith("8 steps, 0 failed"), r.out());
    }

    @Test
    void brokenFailsWithTheRealMessagesAndExitsOne() {
        Run r = run("scenario", "--preset", "broken");
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("FAIL  pci-attach"), r.out());
        assertTrue(r.out().contains("libxl     Domain 1:xc_physdev_map_pirq irq=17 (error=-1): Function not implemented"), r.out());
    }

    @Test
    void jsonPrintsOneObjectPerLineAndBadArgumentsExitTwo() {
        Run r = run("scenario", "--preset", "series-v4", "--device", "0000:01:00.0", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().allMatch(l -> l.startsWith("{\"") && l.endsWith("}")), r.out());
        Run bad = run("scenario", "--preset", "nope");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown preset 'nope'; known: broken, series-v4, upstream"), bad.err());
        assertEquals(2, run("scenario", "--device", "00:1f.7").exit());
    }
}
