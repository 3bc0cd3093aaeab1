package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The protocol as docs/interop/qmp-spec and QEMU 7.2 define it; expected texts were read from QEMU 7.2 itself. */
class QmpProtocolTest {
    private static final String NEGOTIATE_FIRST =
            "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities negotiation with 'qmp_capabilities'\"}}";
    private static TestServer server;

    @BeforeAll
    static void start() throws IOException {
        CommandRegistry r = CommandRegistry.withCoreCommands();
        r.register(QmpCommand.of("x-vdm-test-args", "test: argument checks",
                ArgumentSchema.of(Arg.required("id", ArgType.STRING, "an id"),
                        Arg.optional("count", ArgType.INTEGER, "a count"),
                        Arg.optional("flag", ArgType.BOOLEAN, "a flag")),
                Execution.MODEL, call -> call.arguments().json()));
        server = TestServer.start(r, QmpServer.Config.DEFAULTS, true);
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
    }

    @Test
    void greetingHasVdmVersionInQemuShapeAndNoCapabilities() throws IOException {
        try (var c = server.connect()) {
            assertEquals("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, \"major\": 0}, \"package\": \"vdm\"}, "
                    + "\"capabilities\": []}}", c.greeting);
        }
    }

    @Test
    void everyCommandBeforeNegotiationIsCommandNotFoundEvenUnknownOnes() throws IOException {
        try (var c = server.connect()) {
            assertEquals(NEGOTIATE_FIRST, c.ask("{\"execute\": \"query-version\"}"));
            assertEquals(NEGOTIATE_FIRST, c.ask("{\"execute\": \"no-such-command\"}"));
            assertEquals(NEGOTIATE_FIRST.replace("{\"error\"", "{\"id\": 7, \"error\""),
                    c.ask("{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}, \"id\": 7}"));
            c.negotiate();
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}",
                    c.ask("{\"execute\": \"query-status\"}"));
        }
    }

    @Test
    void aSecondNegotiationFailsWithQemusText() throws IOException {
        try (var c = server.negotiated()) {
            assertEquals("{\"id\": 2, \"error\": {\"class\": \"CommandNotFound\", "
                            + "\"desc\": \"Capabilities negotiation is already complete, command ignored\"}}",
                    c.ask("{\"execute\": \"qmp_capabilities\", \"id\": 2}"));
        }
    }

    @Test
    void askingForACapabilityNotOfferedFails() throws IOException {
        try (var c = server.connect()) {
            assertEquals(generic("Capability 'oob' not available"),
                    c.ask("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}"));
            assertEquals(generic("Parameter 'null' does not accept value 'bogus'"),
                    c.ask("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"bogus\"]}}"));
            assertEquals(generic("Invalid parameter type for 'enable[0]', expected: string"),
                    c.ask("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [1]}}"));
            c.negotiate(); // none of those negotiated
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"execute": "query-version", "foo": 1}            | QMP input member 'foo' is unexpected
            {"execute": 1}                                    | QMP input member 'execute' must be a string
            {"arguments": {}}                                 | QMP input lacks member 'execute'
            {"execute": "query-version", "arguments": []}     | QMP input member 'arguments' must be an object
            {"execute": "query-version", "arguments": null}   | QMP input member 'arguments' must be an object
            [1, 2]                                            | QMP input must be a JSON object
            "text"                                            | QMP input must be a JSON object
            {"execute" "x"}                                   | JSON parse error, missing : in object pair
            {"execute": xyz}                                  | JSON parse error, invalid keyword 'xyz'
            [1 2]                                             | JSON parse error, expected separator in list
            {"a": 1 "b": 2}                                   | JSON parse error, expected separator in dict
            {1: 2}                                            | JSON parse error, key is not a string in object
            {"a": 1, "a": 2}                                  | JSON parse error, duplicate key
            [1, ]                                             | JSON parse error, expecting value
            {"a": "\\x"}                                      | JSON parse error, invalid escape sequence in string
            {"a": "\\ud83d"}                                  | JSON parse error, \\\\ud83d is not a valid Unicode character
            {"a": "\\ufffe"}                                  | JSON parse error, \\\\ufffe is not a valid Unicode character
            {"a": 1.}                                         | JSON parse error, stray '1.}'
            """)
    void malformedRequestsGetGenericErrorsWithQemusTexts(String request, String desc) throws IOException {
        try (var c = server.negotiated()) {
            assertEquals(generic(desc), c.ask(request));
            assertTrue(c.ask("{\"execute\": \"query-version\", \"id\": 99}").endsWith("\"id\": 99}"), "the connection goes on");
        }
    }

    @Test
    void badMembersAreReportedWithTheIdButParseErrorsWithout() throws IOException {
        try (var c = server.negotiated()) {
            assertEquals("{\"id\": 1, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'foo' is unexpected\"}}",
                    c.ask("{\"execute\": \"query-version\", \"id\": 1, \"foo\": 1}"));
            assertEquals(generic("JSON parse error, expecting value"), c.ask("{\"execute\": \"x\", \"id\": 1,}"));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            1                         | 1
            -42                       | -42
            123456789012345678901234567890 | 1.2345678901234568e+29
            "abc"                     | "abc"
            {"b": [true, null], "a": "x"} | {"a": "x", "b": [true, null]}
            'single'                  | "single"
            "\\u00e9\\ud83d\\ude00"   | "\\u00E9\\uD83D\\uDE00"
            """)
    void theIdIsEchoedAsTheSameJsonValue(String id, String echoed) throws IOException {
        try (var c = server.negotiated()) {
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": " + echoed + "}",
                    c.ask("{\"execute\": \"query-status\", \"id\": " + id + "}"));
            assertEquals("{\"id\": " + echoed + ", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}}",
                    c.ask("{\"execute\": \"nope\", \"id\": " + id + "}"));
        }
    }

    @Test
    void argumentsAreCheckedLikeQemusInputVisitor() throws IOException {
        try (var c = server.negotiated()) {
            assertEquals(generic("Parameter 'id' is missing"), c.ask("{\"execute\": \"x-vdm-test-args\"}"));
            assertEquals(generic("Parameter 'id' is missing"),
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"other\": 1}}"));
            assertEquals(generic("Invalid parameter type for 'id', expected: string"),
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": 1}}"));
            assertEquals(generic("Invalid parameter type for 'id', expected: string"),
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": null}}"));
            assertEquals(generic("Invalid parameter type for 'count', expected: integer"),
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": \"a\", \"count\": 1.5}}"));
            assertEquals(generic("Invalid parameter type for 'count', expected: integer"),
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": \"a\", \"count\": 9223372036854775808}}"));
            assertEquals(generic("Invalid parameter type for 'flag', expected: boolean"),
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": \"a\", \"flag\": \"yes\"}}"));
            assertEquals(generic("Parameter 'foo' is unexpected"),
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": \"a\", \"foo\": 2}}"));
            assertEquals(generic("Parameter 'foo' is unexpected"),
                    c.ask("{\"execute\": \"query-version\", \"arguments\": {\"foo\": 2}}"));
            assertEquals("{\"return\": {\"count\": -3, \"id\": \"a\"}}",
                    c.ask("{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": \"a\", \"count\": -3}}"));
        }
    }

    @Test
    void aControlCharacterResetsTheParserAndLaterCommandsWork() throws IOException {
        try (var c = server.negotiated()) {
            // half a request, then ^A: the half is dropped, and the parser resynchronises at the next '}'
            c.sendBytes("{\"execute\": \"query-status\", \"id\": \u0001 1}\n{\"execute\": \"query-version\", \"id\": 3}\n"
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(generic("JSON parse error, stray '\\u0001'"), c.line());
            assertEquals(generic("JSON parse error, expecting value"), c.line());
            assertTrue(c.line().endsWith("\"id\": 3}"));
            c.sendBytes(new byte[] {'{', '"', (byte) 0xFF, '\n'});
            assertEquals(generic("JSON parse error, stray '\\\"\\uFFFD'"), c.line());
            assertTrue(c.ask("{\"execute\": \"query-version\", \"id\": 4}").endsWith("\"id\": 4}"));
        }
    }

    @Test
    void messagesNeedNoNewlineAndMaySpanLines() throws IOException {
        try (var c = server.negotiated()) {
            c.send("{\"execute\": \"query-version\", \"id\": 1}{\"execute\":\n\"query-version\",\n \"id\": 2}\n");
            assertTrue(c.line().endsWith("\"id\": 1}"));
            assertTrue(c.line().endsWith("\"id\": 2}"));
        }
    }

    @Test
    void queryCommandsListsEveryRegisteredCommand() throws IOException {
        try (var c = server.negotiated()) {
            assertEquals("{\"return\": [{\"name\": \"qmp_capabilities\"}, {\"name\": \"query-version\"}, "
                            + "{\"name\": \"query-commands\"}, {\"name\": \"query-status\"}, {\"name\": \"query-target\"}, {\"name\": \"query-qmp-schema\"}, {\"name\": \"quit\"}, "
                            + "{\"name\": \"x-vdm-test-args\"}]}",
                    c.ask("{\"execute\": \"query-commands\"}"));
        }
    }

    @Test
    void tcpLoopbackServesTheSameProtocol() throws IOException {
        try (var c = TestServer.Conn.open(server.tcp())) {
            assertTrue(c.greeting.startsWith("{\"QMP\": "));
            c.negotiate();
            assertEquals("{\"return\": {\"qemu\": {\"micro\": 0, \"minor\": 1, \"major\": 0}, \"package\": \"vdm\"}}",
                    c.ask("{\"execute\": \"query-version\"}"));
        }
    }

    @Test
    void aClientThatHalfClosesGetsEveryReplyThenEof() throws IOException {
        try (var c = server.negotiated()) {
            c.send("{\"execute\": \"query-version\", \"id\": 1}\n{\"execute\": \"x-vdm-test-args\", \"arguments\": {\"id\": \"z\"}, \"id\": 2}\n");
            c.client.shutdownOutput();
            List<String> rest = c.untilClosed();
            assertEquals(2, rest.size(), rest.toString());
            assertEquals("{\"return\": {\"id\": \"z\"}, \"id\": 2}", rest.get(1));
        }
    }

    /** The error line for a GenericError whose desc, as it appears on the wire (already escaped), is {@code desc}. */
    static String generic(String desc) {
        return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" + desc + "\"}}";
    }
}
