package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.model.Fix;
import vdm.model.Preset;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;
import vdm.replay.FailureLibrary;
import vdm.replay.KnownFailure;

/** The failure library and the switches over a real socket: x-vdm-replay-list, x-vdm-replay, x-vdm-fixes-get. */
class ReplayOverQmpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestServer start(Model model) throws IOException {
        CommandRegistry registry = CommandRegistry.withCoreCommands();
        PassthroughCommands.register(registry, model);
        return TestServer.start(registry, QmpServer.Config.DEFAULTS, false);
    }

    private static JsonNode ask(TestServer.Conn c, String json) throws IOException {
        return JSON.readTree(c.ask(json));
    }

    @Test
    void replayListNamesEveryEntryWithItsFailingStep() throws IOException {
        try (TestServer s = start(new Model(null, Preset.UPSTREAM)); TestServer.Conn c = s.negotiated()) {
            JsonNode list = ask(c, "{\"execute\": \"x-vdm-replay-list\"}").get("return");
            List<String> names = new ArrayList<>();
            for (JsonNode e : list) names.add(e.get("name").asText());
            assertEquals(FailureLibrary.all().stream().map(KnownFailure::name).toList(), names);
            JsonNode pirq = list.get(names.indexOf("pvh-map-pirq"));
            assertEquals("pvh-map-pirq", pirq.get("fix").asText());
            assertEquals("attach", pirq.get("fails").get("step").asText());
            assertEquals("ENOSYS", pirq.get("fails").get("errno").asText());
            assertEquals("wide", pirq.get("host").asText());
        }
    }

    @Test
    void replayReturnsTheStepsAndTheVerdictWithTheFixOffAndOn() throws IOException {
        try (TestServer s = start(new Model(null, Preset.UPSTREAM)); TestServer.Conn c = s.negotiated()) {
            JsonNode off = ask(c, "{\"execute\": \"x-vdm-replay\", \"arguments\": {\"name\": \"pvh-map-pirq\"}}").get("return");
            assertEquals(false, off.get("fixed").asBoolean());
            assertTrue(off.get("reproduced").asBoolean(), off.toString());
            assertEquals(1, off.get("exit").asInt());
            assertEquals("attach", off.get("steps").get(1).get("step").asText());
            assertEquals("failed", off.get("steps").get(1).get("verdict").asText());
            assertTrue(off.get("steps").get(1).get("summary").asText().contains("PHYSDEVOP_map_pirq = -ENOSYS"), off.toString());
            assertTrue(off.get("fixes").asText().contains("B pvh-map-pirq=off"), off.toString());
            JsonNode on = ask(c, "{\"execute\": \"x-vdm-replay\", \"arguments\": {\"name\": \"pvh-map-pirq\", \"fixed\": true}}").get("return");
            assertTrue(on.get("clean").asBoolean(), on.toString());
            assertEquals(0, on.get("exit").asInt());
            assertEquals("fixed: no step failed, no invariant broke", on.get("verdict").asText());
            // the served model is not touched: still upstream's fixes
            assertEquals(true, ask(c, "{\"execute\": \"x-vdm-fixes-get\"}").get("return").get("pvh-map-pirq").asBoolean());
        }
    }

    @Test
    void anUnknownEntryIsAGenericErrorNamingTheLibrarysEntries() throws IOException {
        try (TestServer s = start(new Model(null, Preset.UPSTREAM)); TestServer.Conn c = s.negotiated()) {
            JsonNode e = ask(c, "{\"execute\": \"x-vdm-replay\", \"arguments\": {\"name\": \"nope\"}}").get("error");
            assertEquals("GenericError", e.get("class").asText());
            assertTrue(e.get("desc").asText().startsWith("no failure named 'nope' in the library; known: stale-vpci-cache, pvh-map-pirq"), e.toString());
            assertEquals("Invalid parameter type for 'fixed', expected: boolean", ask(c,
                    "{\"execute\": \"x-vdm-replay\", \"arguments\": {\"name\": \"pvh-map-pirq\", \"fixed\": 1}}").get("error").get("desc").asText());
        }
    }

    @Test
    void fixesGetAnswersEverySwitchByLabelAndThePresetRebootDropsTheOverrides() throws IOException {
        Model model = new Model(null, Preset.UPSTREAM, Preset.UPSTREAM.fixes().with(Fix.DM_MSIX_ALL_WRITES, false));
        try (TestServer s = start(model); TestServer.Conn c = s.negotiated()) {
            JsonNode f = ask(c, "{\"execute\": \"x-vdm-fixes-get\"}").get("return");
            assertEquals("upstream", f.get("preset").asText());
            assertEquals(false, f.get("dm-msix-all-writes").asBoolean());
            assertEquals("privcmd", f.get("gsi-lookup").asText());
            // every switch by label and nothing else (QMP's objects, as QEMU's QDicts, keep no member order)
            java.util.Set<String> keys = new java.util.TreeSet<>();
            f.fieldNames().forEachRemaining(keys::add);
            java.util.Set<String> expected = new java.util.TreeSet<>(List.of("preset"));
            for (Fix x : Fix.values()) expected.add(x.label());
            assertEquals(expected, keys);
            JsonNode again = ask(c, "{\"execute\": \"x-vdm-preset-set\", \"arguments\": {\"preset\": \"upstream\"}}").get("return");
            assertEquals(true, again.get("dm-msix-all-writes").asBoolean());
        }
    }
}
