package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.scenario.Scenario;
import vdm.system.Trace;

/** A scenario's JSON lines: the trace, then one line per step, each readable by any JSON parser. */
class ScenarioJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aStepSummaryWithControlCharactersOrQuotesParsesBackToTheSameText() throws Exception {
        Trace trace = new Trace();
        trace.step("boot");
        trace.log(Trace.Source.STEP, "booted");
        List<Scenario.Step> steps = new ArrayList<>();
        for (String s : TraceJsonTest.AWKWARD) steps.add(new Scenario.Step("step " + s, Trace.Verdict.FAILED, s));
        String text = ScenarioJson.lines(new Scenario.Result("awkward", DefaultHost.NIC, steps, trace));
        List<String> lines = text.lines().toList();
        assertEquals(1 + steps.size(), lines.size(), text);
        assertEquals(TraceJson.lines(trace), lines.getFirst() + "\n", "the trace comes first");
        for (int i = 0; i < steps.size(); i++) {
            JsonNode n = JSON.readTree(lines.get(i + 1));
            assertEquals(List.of("step", "verdict", "summary"), n.properties().stream().map(Map.Entry::getKey).toList());
            assertEquals(steps.get(i).name(), n.get("step").asText());
            assertEquals("failed", n.get("verdict").asText());
            assertEquals(steps.get(i).summary(), n.get("summary").asText(), "summary of step " + i);
        }
    }

    @Test
    void aReplayUnderBrokenIsTheTraceThenEveryStepVerdict() throws Exception {
        Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(Preset.BROKEN), DefaultHost.NIC, "broken");
        List<String> lines = ScenarioJson.lines(r).lines().toList();
        int events = r.trace().events().size();
        assertEquals(events + r.steps().size(), lines.size());
        for (int i = 0; i < r.steps().size(); i++) {
            JsonNode n = JSON.readTree(lines.get(events + i));
            assertEquals(r.steps().get(i).name(), n.get("step").asText());
            assertEquals(r.steps().get(i).verdict().name().toLowerCase(), n.get("verdict").asText());
        }
        assertTrue(lines.stream().anyMatch(l -> l.equals("{\"step\":\"pci-attach\",\"verdict\":\"failed\",\"summary\":\""
                + r.steps().stream().filter(s -> s.name().equals("pci-attach")).findFirst().orElseThrow().summary() + "\"}")), lines::toString);
    }
}
