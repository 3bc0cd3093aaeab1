package vdm.persist;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.Locale;
import vdm.scenario.Scenario;

/**
 * A scenario replay as JSON lines ({@code vdm scenario --json}): its trace ({@link TraceJson}), then one line per
 * step, {@code {"step":"pci-attach","verdict":"failed","summary":"..."}}.
 */
public final class ScenarioJson {
    private static final ObjectWriter STEP = new ObjectMapper().writerFor(StepLine.class);

    private ScenarioJson() {}

    /** One step's members, in the order they are written. */
    record StepLine(String step, String verdict, String summary) {}

    public static String lines(Scenario.Result r) {
        StringBuilder sb = new StringBuilder(TraceJson.lines(r.trace()));
        for (Scenario.Step s : r.steps()) {
            try {
                sb.append(STEP.writeValueAsString(new StepLine(s.name(), s.verdict().name().toLowerCase(Locale.ROOT), s.summary())));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a scenario step did not serialize: " + e.getOriginalMessage(), e);
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
