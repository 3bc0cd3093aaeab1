package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.replay.FailureLibrary;
import vdm.replay.KnownFailure;

/**
 * {@code vdm replay}, run as a user runs it. The entries named are the seed's four (the series that started vdm);
 * --list and --all are checked against whatever the library holds.
 */
class ReplayCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listPrintsEveryEntryWithItsSummaryAndSource() {
        Cli r = Cli.run("replay", "--list");
        assertEquals(0, r.exit(), r.err());
        assertEquals(FailureLibrary.list(), r.out());
        for (KnownFailure f : FailureLibrary.all()) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(f.name() + " ") && l.endsWith(f.summary())), f.name() + ":\n" + r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.strip().equals(f.source())), f.name() + ":\n" + r.out());
        }
    }

    @Test
    void replayWithTheFixOffShowsTheFailingStepWithTheRealTextAndExitsOne() {
        // Xen 4.19's hvm_physdev_op refuses a PVH dom0's map_pirq with -ENOSYS; libxl prints strerror's text
        Cli r = Cli.run("replay", "pvh-map-pirq");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("vdm replay pvh-map-pirq: a PVH dom0 has no pirqs"), r.out());
        assertTrue(r.out().contains("fix pvh-map-pirq off"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("FAIL  attach")), r.out());
        assertTrue(r.out().contains("Function not implemented"), r.out());
        assertTrue(r.out().strip().endsWith("reproduced at attach: xc_physdev_map_pirq_gsi gsi=16 (error=-1): Function not implemented"), r.out());
    }

    @Test
    void replayFixedIsCleanAndExitsZero() {
        Cli r = Cli.run("replay", "stale-vpci-cache", "--fixed");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("vdm replay stale-vpci-cache --fixed: "), r.out());
        assertTrue(r.out().contains("fix reset-notification on"), r.out());
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("FAIL")), r.out());
        assertTrue(r.out().strip().endsWith("fixed: no step failed, no invariant broke"), r.out());
    }

    @Test
    void jsonPrintsTheEntryItsStepsTheTraceAndTheVerdictOneObjectALine() throws Exception {
        Cli r = Cli.run("replay", "gsi-not-registered", "--json");
        assertEquals(1, r.exit(), r.out() + r.err());
        List<JsonNode> lines = new ArrayList<>();
        for (String l : r.out().lines().toList()) lines.add(JSON.readTree(l));
        JsonNode head = lines.getFirst();
        assertEquals("gsi-not-registered", head.get("replay").asText());
        assertEquals("setup-gsi", head.get("fix").asText());
        assertEquals(false, head.get("fixed").asBoolean());
        assertEquals("attach", head.get("fails").get("step").asText());
        assertEquals("EPERM", head.get("fails").get("errno").asText());
        assertTrue(lines.get(1).toString().startsWith("{\"step\":\"assign\",\"verdict\":\"ok\",\"summary\":"), lines.get(1).toString());
        assertEquals("attach", lines.get(2).get("step").asText());
        assertEquals("failed", lines.get(2).get("verdict").asText());
        // the trace events are TraceJson's lines, as vdm scenario --json prints them
        assertTrue(lines.stream().anyMatch(n -> n.has("seq") && n.has("source") && n.get("verdict").asText().equals("failed")
                && n.get("step").asText().equals("attach")), r.out());
        JsonNode last = lines.getLast();
        assertTrue(last.get("reproduced").asBoolean(), last.toString());
        assertEquals(1, last.get("exit").asInt());
        assertTrue(last.get("verdict").asText().startsWith("reproduced at attach: xc_domain_irq_permission irq=16 (error=-1): Operation not permitted"), last.toString());
    }

    @Test
    void exploreLetsTheExplorerFindTheFailureWithoutTheOrdering() {
        // pciback's restore dropped after a reset Xen was not told of: the explorer needs only the assign operation
        Cli r = Cli.run("replay", "stale-vpci-cache", "--explore");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("vdm replay stale-vpci-cache --explore: operations assign, depth 1"), r.out());
        assertTrue(r.out().strip().endsWith("found: restore was dropped, by assign"), r.out());
        Cli fixed = Cli.run("replay", "stale-vpci-cache", "--explore", "--fixed");
        assertEquals(0, fixed.exit(), fixed.out() + fixed.err());
        assertTrue(fixed.out().strip().endsWith("not found: restore was dropped at assign"), fixed.out());
    }

    @Test
    void exploreGoesWithANameAlone() {
        Cli r = Cli.run("replay", "--all", "--explore");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--explore goes with a NAME"), r.err());
    }

    @Test
    void anUnknownNameExitsTwoWithTheLibrarysNames() {
        Cli r = Cli.run("replay", "no-such-failure");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("vdm replay: no failure named 'no-such-failure' in the library; known: stale-vpci-cache, "
                + "pvh-map-pirq, gsi-not-registered, irq-taken-for-gsi"), r.err());
        for (KnownFailure f : FailureLibrary.all()) assertTrue(r.err().contains(f.name()), r.err());
    }

    @Test
    void withoutANameOrListOrAllItIsAUsageError() {
        Cli r = Cli.run("replay");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("a failure's NAME, --list or --all is missing"), r.err());
        assertTrue(r.err().contains("Usage: vdm replay"), r.err());
        assertEquals(2, Cli.run("replay", "--list", "pvh-map-pirq").exit());
        assertEquals(2, Cli.run("replay", "--all", "--json").exit());
    }

    @Test
    void allReproducesEveryEntryWithTheFixOffAndEachIsCleanWithItOn() {
        Cli off = Cli.run("replay", "--all");
        assertEquals(0, off.exit(), off.out() + off.err());
        Cli on = Cli.run("replay", "--all", "--fixed");
        assertEquals(0, on.exit(), on.out() + on.err());
        int n = FailureLibrary.all().size();
        for (KnownFailure f : FailureLibrary.all()) {
            assertTrue(off.out().lines().anyMatch(l -> l.matches(f.name() + " +reproduced +reproduced at " + f.expect().step().label() + ": .*")), off.out());
            assertTrue(on.out().lines().anyMatch(l -> l.matches(f.name() + " +clean +fixed: no step failed, no invariant broke")), on.out());
        }
        assertTrue(off.out().strip().endsWith(n + " of " + n + " entries reproduce with the fix off"), off.out());
        assertTrue(on.out().strip().endsWith(n + " of " + n + " entries clean with the fix on"), on.out());
    }

    @Test
    void theMissingSubcommandMessageNamesReplay() {
        Cli r = Cli.run();
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("(dump, probe, serve, qmp, scenario, explore, replay, host or help)"), r.err());
    }

    @Test
    void exploreOverEveryDeviceFindsTheSharedLineWithoutBeingToldTheDevice() {
        Cli r = Cli.run("replay", "shared-gsi-unshared", "--explore", "--devices", "all", "--guests", "2");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("vdm replay shared-gsi-unshared --explore: operations dom0-intx, assign, attach on each of 0000:00:02.0,"), r.out());
        assertTrue(r.out().contains("found: Others do not share, by "), r.out());
        Cli fixed = Cli.run("replay", "shared-gsi-unshared", "--explore", "--devices", "all", "--fixed");
        assertEquals(0, fixed.exit(), fixed.out() + fixed.err());
        Cli bad = Cli.run("replay", "shared-gsi-unshared", "--explore", "--devices", "all", "--guests", "0");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--guests must be 1..4, not 0"), bad.err());
        assertEquals(2, Cli.run("replay", "shared-gsi-unshared", "--devices", "all").exit());
    }
}
