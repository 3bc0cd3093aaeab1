package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.explore.Explorer;
import vdm.explore.Finding;
import vdm.explore.Op;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.system.Trace;

/** The explorer's scenario file: written for a finding, read back, replayed. */
class ScenarioFileTest {
    private static Explorer.Result explore(Preset p, int depth) {
        return new Explorer(() -> Vdm.defaultHost().preset(p), DefaultHost.NIC, Op.STANDARD).explore(depth);
    }

    @Test
    void aFindingsScenarioFileReplaysToTheSameFailure() {
        Explorer.Result r = explore(Preset.BROKEN, 2);
        Finding f = r.findings().stream().filter(x -> x.orderingText().equals("assign -> attach")).findFirst().orElseThrow();
        String file = ScenarioFile.of(f, "broken", "pvh", "0000:00:03.0").toJson();
        assertTrue(file.contains("\"ops\": [\"assign\", \"attach\"]"), file);
        Trace t = Explorer.replay(() -> Vdm.defaultHost().preset(Preset.BROKEN), DefaultHost.NIC,
                ScenarioFile.parse(file).ops());
        assertTrue(t.contains(Trace.Source.STEP, "attach: xc_physdev_map_pirq: -ENOSYS"), () -> TraceJson.lines(t));
    }

    @Test
    void aFindingWithQuotesAndControlCharactersReadsBackToTheSameText() {
        String message = "a \"quoted\" \\ path\nsecond line\t\u0001 end";
        Finding f = new Finding("step", message, List.of(Op.ASSIGN, Op.ATTACH), List.of());
        String file = ScenarioFile.of(f, "broken", "pv", "0000:00:03.0").toJson();
        assertEquals(1, file.lines().count(), file);
        assertTrue(file.startsWith("{\"format\": \"vdm-explore/1\", \"preset\": \"broken\", \"dom0\": \"pv\", "
                + "\"device\": \"0000:00:03.0\", \"ops\": [\"assign\", \"attach\"], \"finding\": \""), file);
        ScenarioFile back = ScenarioFile.parse(file);
        assertEquals(new ScenarioFile("broken", "pv", "0000:00:03.0", List.of(Op.ASSIGN, Op.ATTACH), message), back);
    }

    @Test
    void aFileWithoutItsMembersIsRefusedNamingTheMember() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScenarioFile.parse("{\"format\": \"vdm-explore/2\"}"))
                .getMessage().contains("member 'format' must be \"vdm-explore/1\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScenarioFile.parse("{\"format\": \"vdm-explore/1\", "
                + "\"preset\": \"broken\", \"dom0\": \"pv\", \"device\": \"0000:00:03.0\"}")).getMessage().contains("member 'ops'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScenarioFile.parse("{\"format\"")).getMessage()
                .startsWith("not a scenario file"));
    }

    @Test
    void theFixSettingsAreWrittenAfterThePresetReadBackAndAppliedInOrder() {
        Finding f = new Finding("step", "m", List.of(Op.ASSIGN), List.of());
        String file = ScenarioFile.of(f, "upstream", List.of("reset-notification=off", "gsi-lookup=sysfs-gsi"), "pvh", "0000:00:03.0").toJson();
        assertTrue(file.startsWith("{\"format\": \"vdm-explore/1\", \"preset\": \"upstream\", "
                + "\"fixes\": [\"reset-notification=off\", \"gsi-lookup=sysfs-gsi\"], \"dom0\": \"pvh\""), file);
        ScenarioFile back = ScenarioFile.parse(file);
        assertEquals(List.of("reset-notification=off", "gsi-lookup=sysfs-gsi"), back.fixes());
        assertEquals(Preset.UPSTREAM.fixes().withResetNotification(false).withGsiLookup(vdm.model.Fixes.GsiLookup.SYSFS_GSI),
                back.fixesOn(Preset.UPSTREAM.fixes()));
        // a file without the member (every file written before --fix) runs the preset as it is
        assertEquals(List.of(), ScenarioFile.parse(ScenarioFile.of(f, "upstream", "pvh", "0000:00:03.0").toJson()).fixes());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScenarioFile.parse("{\"format\": \"vdm-explore/1\", "
                + "\"preset\": \"broken\", \"fixes\": [\"warp-drive=on\"], \"dom0\": \"pv\", \"device\": \"0000:00:03.0\", \"ops\": []}"))
                .getMessage().startsWith("member 'fixes': unknown fix 'warp-drive'; known: reset-notification"));
    }
}
