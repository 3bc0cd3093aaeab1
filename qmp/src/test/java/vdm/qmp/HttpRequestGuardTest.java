package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpRequestGuardTest {
    private static final String REFUSED = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"This is a QMP server "
            + "(JSON messages over a socket), not an HTTP server; closing the connection\"}}";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET / HTTP/1.1", "POST /qmp HTTP/1.1", "PUT /x HTTP/1.0", "HEAD / HTTP/1.1",
            "OPTIONS * HTTP/1.1", "DELETE /x HTTP/1.1", "CONNECT 127.0.0.1:4444 HTTP/1.1", "PRI * HTTP/2.0"})
    void anHttpRequestOnTcpGetsOneErrorAndTheConnectionCloses(String requestLine) throws IOException {
        try (TestServer s = TestServer.start(CommandRegistry.withCoreCommands(), QmpServer.Config.DEFAULTS, true);
             var c = TestServer.Conn.open(s.tcp())) {
            c.send(requestLine + "\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}");
            assertEquals(List.of(REFUSED), c.untilClosed());
        }
    }

    @Test
    void aRequestLineSentAByteAtATimeIsRefusedToo() throws Exception {
        try (TestServer s = TestServer.start(); var c = s.connect()) {
            // up to the method's space: the server closes there, so nothing more is sent
            for (char ch : "POST ".toCharArray()) {
                c.send(String.valueOf(ch));
                Thread.sleep(2);
            }
            assertEquals(List.of(REFUSED), c.untilClosed());
        }
    }

    @Test
    void qmpPassesTheGuardUnchanged() throws IOException {
        try (TestServer s = TestServer.start(); var c = s.connect()) {
            c.negotiate();
            assertTrue(c.ask("  {\"execute\": \"query-version\", \"id\": 3}").endsWith("\"id\": 3}"));
        }
    }

    @Test
    void inputThatOnlyStartsLikeAMethodIsLeftToQmp() throws IOException {
        try (TestServer s = TestServer.start(); var c = s.connect()) {
            // "GETX" and "P{" share a method's first letters: the JSON parser answers them, the connection goes on
            String first = c.ask("GETX");
            assertNotEquals(REFUSED, first);
            assertTrue(first.startsWith("{\"error\": {\"class\": \"GenericError\""), first);
            c.negotiate();
            assertTrue(c.ask("{\"execute\": \"query-version\", \"id\": 4}").endsWith("\"id\": 4}"));
        }
    }
}
