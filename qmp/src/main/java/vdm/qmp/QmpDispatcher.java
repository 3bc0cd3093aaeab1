package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one request into its reply, as QEMU's qmp_dispatch and monitor_qmp_dispatch do: the request's members are
 * checked, the command looked up (before negotiation only qmp_capabilities exists, and every CommandNotFound then
 * says to negotiate first), its arguments validated, and its handler run inline or on the model executor. Knows
 * nothing of connections: the reply is a value, written by whoever asked. One instance serves every connection.
 */
final class QmpDispatcher {
    private static final Logger log = LoggerFactory.getLogger(QmpDispatcher.class);
    private static final String NEGOTIATE_FIRST = "Expecting capabilities negotiation with 'qmp_capabilities'";

    private final CommandRegistry commands;
    private final Executor modelExecutor;
    private final QmpServer server;
    private final QmpEvents events;

    /** {@code server} and {@code events} are what {@link CommandCall#server()} and {@link CommandCall#events()} give handlers. */
    QmpDispatcher(CommandRegistry commands, Executor modelExecutor, QmpServer server, QmpEvents events) {
        this.commands = commands;
        this.modelExecutor = modelExecutor;
        this.server = server;
        this.events = events;
    }

    /**
     * Starts {@code frame} for {@code session}: the stage completes with the reply (at once unless the command
     * runs on the model executor or answers later), never exceptionally.
     */
    CompletableFuture<QmpReply> dispatch(QmpFrame frame, QmpSession session) {
        if (frame.parseError() != null) {
            return CompletableFuture.completedFuture(QmpReply.failure(null, null, QmpError.generic(frame.parseError()), null));
        }
        JsonNode req = frame.json();
        if (!req.isObject()) {
            return CompletableFuture.completedFuture(
                    QmpReply.failure(null, null, QmpError.generic("QMP input must be a JSON object"), null));
        }
        JsonNode id = req.get("id");
        boolean negotiatedAtStart = session.negotiated();
        long started = System.nanoTime();
        String name = null;
        try {
            name = checkRequest(req);
            QmpCommand cmd = commands.find(name);
            // Before negotiation QEMU's table holds qmp_capabilities only.
            if (cmd == null || (!negotiatedAtStart && !name.equals("qmp_capabilities"))) {
                throw new QmpError(ErrorClass.CommandNotFound, "The command " + name + " has not been found");
            }
            Arguments arguments = cmd.arguments().validate((ObjectNode) req.get("arguments"));
            CommandCall call = new CommandCall(name, arguments, id, session, server, events, commands);
            String command = name;
            return run(cmd, call).handle((value, failure) -> {
                // What the handler asked to run after its reply goes with the reply, whether the handler then failed or not.
                Runnable after = call.takeAfterReply();
                QmpReply reply = failure == null
                        ? QmpReply.success(command, id, value, after)
                        : QmpReply.failure(command, id, failed(session, command, failure, negotiatedAtStart), after);
                logCommand(session, command, reply.error(), started);
                return reply;
            });
        } catch (QmpError e) {
            logCommand(session, name, e, started);
            return CompletableFuture.completedFuture(QmpReply.failure(name, id, rewrite(e, negotiatedAtStart), null));
        }
    }

    /** qmp_dispatch_check_obj: the members a request may have, checked in the QDict's order (as QEMU walks it). */
    private static String checkRequest(JsonNode req) throws QmpError {
        for (Map.Entry<String, JsonNode> e : vdm.qmp.json.JsonWriter.qdictOrder(req)) {
            switch (e.getKey()) {
                case "execute" -> {
                    if (!e.getValue().isTextual()) throw QmpError.generic("QMP input member 'execute' must be a string");
                }
                case "arguments" -> {
                    if (!e.getValue().isObject()) throw QmpError.generic("QMP input member 'arguments' must be an object");
                }
                case "id" -> { }
                default -> throw QmpError.generic("QMP input member '" + e.getKey() + "' is unexpected");
            }
        }
        JsonNode execute = req.get("execute");
        if (execute == null) throw QmpError.generic("QMP input lacks member 'execute'");
        return execute.textValue();
    }

    /** monitor_qmp_dispatch: in negotiation mode every CommandNotFound says what to do instead. */
    private static QmpError rewrite(QmpError e, boolean negotiatedAtStart) {
        if (!negotiatedAtStart && e.errorClass() == ErrorClass.CommandNotFound) {
            return new QmpError(ErrorClass.CommandNotFound, NEGOTIATE_FIRST);
        }
        return e;
    }

    /** The handler's stage: inline on the caller's thread, or on the model executor (Execution). */
    private CompletableFuture<? extends JsonNode> run(QmpCommand cmd, CommandCall call) {
        CompletionStage<? extends JsonNode> stage;
        if (cmd.execution() == Execution.INLINE) {
            try {
                stage = cmd.execute(call);
            } catch (QmpError | RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
        } else {
            try {
                stage = CompletableFuture.supplyAsync(() -> {
                    try {
                        return cmd.execute(call);
                    } catch (QmpError e) {
                        throw new CompletionException(e);
                    }
                }, modelExecutor).thenCompose(s -> s);
            } catch (RejectedExecutionException e) {
                stage = CompletableFuture.failedFuture(QmpError.generic("The server is shutting down"));
            }
        }
        return stage == null
                ? CompletableFuture.failedFuture(new IllegalStateException("handler returned no stage"))
                : stage.toCompletableFuture();
    }

    /** A handler's failure as the client sees it: its QmpError, or for anything else (a bug) a GenericError. */
    private static QmpError failed(QmpSession session, String name, Throwable failure, boolean negotiatedAtStart) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof QmpError q) return rewrite(q, negotiatedAtStart);
        log.error("client {}: command {} failed unexpectedly", session.number(), name, cause);
        return QmpError.generic("Internal error in " + name + ": " + cause);
    }

    private static void logCommand(QmpSession session, String name, QmpError error, long started) {
        if (log.isDebugEnabled()) {
            long us = (System.nanoTime() - started) / 1000;
            log.debug("client {}: {} -> {} ({} us)", session.number(), name == null ? "(invalid request)" : name,
                    error == null ? "ok" : error.errorClass() + " \"" + error.desc() + "\"", us);
        }
    }
}
