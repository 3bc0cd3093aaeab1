package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.system.Trace;

/** Trace events as JSON lines: the members in their order, and any text at all read back as it was. */
class TraceJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Texts the hand-written escaper got wrong or that break a line: C0 controls, quotes, backslashes. */
    static final List<String> AWKWARD = List.of("\u0001", "\n", "a \"quoted\" word", "back\\slash", "\\\"", "tab\there",
            "\r\b\f\u000b\u001f", "line one\nline two", "\u0000nul", "del \u007f and \u2028 and \u00e9", "");

    @Test
    void aLineHasTheMembersInTheirOrder() {
        Trace t = new Trace();
        t.step("pci-attach");
        Trace.Event e = t.add(Trace.Source.HYPERCALL, Trace.Verdict.FAILED, "PHYSDEVOP_map_pirq", "index=17", -38);
        assertEquals("{\"seq\":1,\"source\":\"hypercall\",\"verdict\":\"failed\",\"step\":\"pci-attach\","
                + "\"message\":\"PHYSDEVOP_map_pirq\",\"detail\":\"index=17\",\"result\":-38}", TraceJson.line(e));
    }

    @Test
    void aMessageWithControlCharactersOrQuotesParsesBackToTheSameText() throws Exception {
        Trace t = new Trace();
        for (String s : AWKWARD) {
            t.step(s);
            t.add(Trace.Source.XEN, Trace.Verdict.INFO, s, s, 0);
        }
        String text = TraceJson.lines(t);
        List<String> lines = text.lines().toList();
        assertEquals(AWKWARD.size(), lines.size(), "one line per event, whatever the text holds:\n" + text);
        assertTrue(text.chars().noneMatch(c -> c < 0x20 && c != '\n'), "no raw control character in the output");
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = JSON.readTree(lines.get(i));
            String want = AWKWARD.get(i);
            assertEquals(want, n.get("message").asText(), "message of line " + i);
            assertEquals(want, n.get("detail").asText(), "detail of line " + i);
            assertEquals(want, n.get("step").asText(), "step of line " + i);
            assertEquals(i + 1, n.get("seq").asLong());
        }
    }

    @Test
    void everyEventOfARealTraceIsOneLine() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.BROKEN).build();
        vdm.libxl().pciAssignableAdd(DefaultHost.NIC);
        vdm.libxl().pciAttach(vdm.libxl().domainCreate(1), DefaultHost.NIC, 5);
        Trace t = vdm.trace();
        assertTrue(t.events().size() > 10, "passthrough under broken has logged and failed");
        assertEquals(t.events().size(), TraceJson.lines(t).lines().count());
        assertTrue(TraceJson.lines(t).endsWith("}\n"));
    }
}
