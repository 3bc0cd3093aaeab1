package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * qmp_dispatch without a connection: a request and the session's negotiation state in, a reply value out. Model
 * work runs on an executor the test drives, so that "later" is a step of the test.
 */
class QmpDispatcherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Runnable> modelWork = new ArrayList<>();
    private final Executor modelExecutor = modelWork::add;
    private final List<String> afterReply = new ArrayList<>();
    private final QmpDispatcher dispatcher;
    private final QmpSession session = new QmpSession(1, "test");

    QmpDispatcherTest() {
        CommandRegistry r = CommandRegistry.withCoreCommands();
        r.register(QmpCommand.of("x-vdm-test-model", "test: model work", ArgumentSchema.of(
                Arg.required("n", ArgType.INTEGER, "a number")), Execution.MODEL,
                call -> JsonNodeFactory.instance.objectNode().put("twice", 2 * call.arguments().integer("n"))));
        r.register(QmpCommand.of("x-vdm-test-refuse", "test: refuses", ArgumentSchema.NONE, Execution.INLINE, call -> {
            throw new QmpError(ErrorClass.DeviceNotFound, "Device 'x' not found");
        }));
        r.register(QmpCommand.of("x-vdm-test-bug", "test: a bug", ArgumentSchema.NONE, Execution.INLINE, call -> {
            throw new IllegalStateException("oops");
        }));
        r.register(QmpCommand.of("x-vdm-test-after", "test: work after the reply", ArgumentSchema.NONE, Execution.INLINE,
                call -> {
                    call.afterReply(() -> afterReply.add("first"));
                    call.afterReply(() -> afterReply.add("second"));
                    return null;
                }));
        r.register(QmpCommand.of("x-vdm-test-after-failing", "test: work after the reply, then a failure", ArgumentSchema.NONE,
                Execution.INLINE, call -> {
                    call.afterReply(() -> afterReply.add("after a failure"));
                    throw QmpError.generic("failed");
                }));
        dispatcher = new QmpDispatcher(r, modelExecutor, null, null); // no command here asks for the server or its events
    }

    private CompletableFuture<QmpReply> dispatch(String request) {
        try {
            return dispatcher.dispatch(QmpFrame.message(JSON.readTree(request)), session);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The reply of a request that is answered at once, as the client would read it. */
    private String now(String request) {
        CompletableFuture<QmpReply> r = dispatch(request);
        assertTrue(r.isDone(), request + " is answered at once");
        return r.join().toJson().toString();
    }

    @Test
    void beforeNegotiationEveryCommandButQmpCapabilitiesIsNotFoundEvenARealOne() {
        String negotiateFirst = "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"Expecting capabilities negotiation with 'qmp_capabilities'\"},\"id\":1}";
        assertEquals(negotiateFirst, now("{\"execute\": \"query-version\", \"id\": 1}"));
        assertEquals(negotiateFirst, now("{\"execute\": \"no-such\", \"id\": 1}"));
        assertFalse(session.negotiated());
        assertEquals("{\"return\":{}}", now("{\"execute\": \"qmp_capabilities\"}"));
        assertTrue(session.negotiated());
        assertEquals("{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command no-such has not been found\"}}",
                now("{\"execute\": \"no-such\"}"));
    }

    @Test
    void parseErrorsAndMalformedRequestsAreGenericErrorsAndOnlyAMemberErrorKeepsTheId() {
        session.negotiate();
        assertEquals("{\"error\":{\"class\":\"GenericError\",\"desc\":\"JSON parse error, expecting value\"}}",
                dispatcher.dispatch(QmpFrame.error("JSON parse error, expecting value"), session).join().toJson().toString());
        assertEquals("{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input must be a JSON object\"}}", now("[1]"));
        assertEquals("{\"error\":{\"class\":\"GenericError\",\"desc\":\"QMP input member 'foo' is unexpected\"},\"id\":3}",
                now("{\"execute\": \"query-version\", \"id\": 3, \"foo\": 1}"));
        assertEquals("{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'n' is missing\"}}",
                now("{\"execute\": \"x-vdm-test-model\"}"));
    }

    @Test
    void aModelCommandIsAnsweredWhenTheModelExecutorHasRunIt() {
        session.negotiate();
        CompletableFuture<QmpReply> r = dispatch("{\"execute\": \"x-vdm-test-model\", \"arguments\": {\"n\": 21}, \"id\": \"a\"}");
        assertFalse(r.isDone(), "the handler has not run yet");
        assertEquals(1, modelWork.size());
        modelWork.removeFirst().run();
        assertTrue(r.isDone());
        assertEquals("{\"return\":{\"twice\":42},\"id\":\"a\"}", r.join().toJson().toString());
        assertEquals("x-vdm-test-model", r.join().command());
    }

    @Test
    void aHandlersQmpErrorIsItsReplyAndAnyOtherFailureIsAnInternalError() {
        session.negotiate();
        assertEquals("{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device 'x' not found\"}}",
                now("{\"execute\": \"x-vdm-test-refuse\"}"));
        assertEquals("{\"error\":{\"class\":\"GenericError\",\"desc\":\"Internal error in x-vdm-test-bug: "
                + "java.lang.IllegalStateException: oops\"}}", now("{\"execute\": \"x-vdm-test-bug\"}"));
    }

    @Test
    void workAfterTheReplyTravelsWithTheReplyAndRunsInOrderWhenCalled() {
        session.negotiate();
        QmpReply r = dispatch("{\"execute\": \"x-vdm-test-after\"}").join();
        assertEquals(List.of(), afterReply, "nothing runs before the reply is written");
        r.afterReply().run();
        assertEquals(List.of("first", "second"), afterReply);
        assertNull(dispatch("{\"execute\": \"query-status\"}").join().afterReply());
        QmpReply failed = dispatch("{\"execute\": \"x-vdm-test-after-failing\"}").join();
        assertEquals("failed", failed.error().desc());
        failed.afterReply().run();
        assertEquals(List.of("first", "second", "after a failure"), afterReply, "a failure's reply carries it too");
    }

    @Test
    void onceTheModelExecutorRefusesWorkModelCommandsSayTheServerIsShuttingDown() {
        CommandRegistry r = CommandRegistry.withCoreCommands();
        r.register(QmpCommand.of("x-vdm-test-model", "test: model work", ArgumentSchema.NONE, Execution.MODEL, call -> null));
        QmpDispatcher stopping = new QmpDispatcher(r, command -> {
            throw new RejectedExecutionException("the model executor is shut down");
        }, null, null);
        session.negotiate();
        JsonNode status = stopping.dispatch(QmpFrame.message(JSON.createObjectNode().put("execute", "query-status")), session)
                .join().toJson();
        assertEquals("running", status.at("/return/status").asText(), "inline commands still answer");
        assertEquals("{\"error\":{\"class\":\"GenericError\",\"desc\":\"The server is shutting down\"}}",
                stopping.dispatch(QmpFrame.message(JSON.createObjectNode().put("execute", "x-vdm-test-model")), session)
                        .join().toJson().toString());
    }
}
