package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class QmpEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eventsReachEveryNegotiatedClientAndNoOtherWithATimestamp() throws IOException {
        try (TestServer s = TestServer.start(); var a = s.negotiated(); var b = s.negotiated(); var fresh = s.connect()) {
            long before = Instant.now().getEpochSecond();
            // from a thread that is not the server's, as the model executor would
            Thread t = Thread.ofPlatform().start(() -> s.server.events().emit("DEVICE_DELETED",
                    JsonNodeFactory.instance.objectNode().put("device", "nic0").put("path", "/machine/peripheral/nic0")));
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            for (var c : new TestServer.Conn[] {a, b}) {
                JsonNode e = JSON.readTree(c.line());
                assertEquals("DEVICE_DELETED", e.get("event").asText());
                assertEquals("nic0", e.at("/data/device").asText());
                assertTrue(e.at("/timestamp/seconds").asLong() >= before);
                long us = e.at("/timestamp/microseconds").asLong();
                assertTrue(us >= 0 && us < 1_000_000);
            }
            // the client that has not negotiated gets nothing: its next line is the reply to its own command
            assertTrue(fresh.ask("{\"execute\": \"qmp_capabilities\", \"id\": 1}").startsWith("{\"return\": {}, \"id\": 1}"));
            s.server.events().emit("NO_DATA");
            assertEquals("{\"timestamp\"", fresh.line().substring(0, 12));
            String plain = a.line();
            assertTrue(plain.contains("\"event\": \"NO_DATA\"") && !plain.contains("\"data\""), plain);
        }
    }
}
