package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ByteProcessor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vdm.qmp.json.JsonStreamer;
import vdm.qmp.json.JsonWriter;

/**
 * One QMP connection (QEMU's MonitorQMP): its parser, its negotiation state, and its requests, run one at a time in
 * order as QEMU runs them (a request waits for the previous reply). Everything here runs on the connection's event
 * loop except {@link #negotiated()} and {@link #sendEvent}, which any thread may call.
 */
final class QmpSession extends ChannelInboundHandlerAdapter implements QmpClient, JsonStreamer.Sink, ByteProcessor {
    private static final Logger log = LoggerFactory.getLogger(QmpSession.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String NEGOTIATE_FIRST = "Expecting capabilities negotiation with 'qmp_capabilities'";

    /** A parsed message, or the text of the GenericError for input that was not one. */
    private record Request(JsonNode json, String parseError) {}

    private final QmpServer server;
    private final int number;
    private final JsonStreamer streamer;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Channel ch;
    private final String peer;
    private ByteBuf heldInput;      // input not yet lexed: held while a command runs and the queue is full, or output is blocked
    private boolean busy;           // a command is running off this thread; later requests wait
    private boolean inputShutdown;  // the client half-closed: finish what it sent, then close
    private boolean unflushed;
    private ScheduledFuture<?> stallCheck;
    private volatile boolean negotiated;

    QmpSession(QmpServer server, int number, String peer) {
        this.server = server;
        this.number = number;
        this.peer = peer;
        this.streamer = new JsonStreamer(this, server.config().maxMessageBytes(), server.config().maxDepth());
    }

    @Override
    public int number() { return number; }

    @Override
    public String peer() { return peer; }

    @Override
    public boolean negotiated() { return negotiated; }

    void negotiate() { negotiated = true; }

    // ---- Netty events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.ch = ctx.channel();
        log.debug("client {} connected ({})", number, peer);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(server.greeting()));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        log.debug("client {} disconnected", number);
        if (heldInput != null) {
            heldInput.release();
            heldInput = null;
        }
        queue.clear();
        if (stallCheck != null) stallCheck.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (heldInput == null) {
            heldInput = in;
        } else { // rare: a read that was under way when input was paused
            ByteBuf merged = ctx.alloc().buffer(heldInput.readableBytes() + in.readableBytes());
            merged.writeBytes(heldInput).writeBytes(in);
            heldInput.release();
            in.release();
            heldInput = merged;
        }
        drainInput();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushIfNeeded();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            closeIfDone();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ch.isWritable()) {
            if (stallCheck != null) {
                stallCheck.cancel(false);
                stallCheck = null;
            }
            drainInput();
            flushIfNeeded();
        } else if (stallCheck == null) {
            long ms = server.config().stallTimeout().toMillis();
            stallCheck = ch.eventLoop().schedule(() -> {
                stallCheck = null;
                if (ch.isActive() && !ch.isWritable()) {
                    log.warn("client {} ({}) has not read its output for {} ms ({} bytes pending): disconnecting it",
                            number, peer, ms, pendingOutput());
                    ch.close();
                }
            }, ms, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("client {}: {}", number, cause.toString());
        } else {
            log.warn("client {}: unexpected error, closing the connection", number, cause);
        }
        ctx.close();
    }

    // ---- input

    /** Lexes held input while requests may be taken: not while output is blocked, nor past the queue limit. */
    private void drainInput() {
        if (heldInput != null && ch.isActive()) {
            int stop = acceptingInput() ? heldInput.forEachByte(this) : heldInput.readerIndex() - 1;
            if (stop < 0) {
                heldInput.release();
                heldInput = null;
            } else {
                heldInput.readerIndex(stop + 1);
            }
        }
        ch.config().setAutoRead(heldInput == null);
        closeIfDone();
    }

    /** One input byte (ByteProcessor): false stops lexing, leaving the rest held. */
    @Override
    public boolean process(byte b) {
        streamer.feed(b);
        if (!queue.isEmpty()) pump();
        return acceptingInput() && ch.isActive();
    }

    private boolean acceptingInput() {
        return ch.isWritable() && queue.size() < server.config().maxQueuedRequests();
    }

    @Override
    public void message(JsonNode value) {
        queue.add(new Request(value, null));
    }

    @Override
    public void error(String desc) {
        queue.add(new Request(null, desc));
    }

    // ---- dispatch (qmp_dispatch and monitor_qmp_dispatch)

    private void pump() {
        while (!busy && !queue.isEmpty() && ch.isActive()) {
            dispatch(queue.poll());
        }
    }

    private void dispatch(Request r) {
        if (r.parseError() != null) {
            reply(null, null, QmpError.generic(r.parseError()), null);
            return;
        }
        JsonNode req = r.json();
        if (!req.isObject()) {
            reply(null, null, QmpError.generic("QMP input must be a JSON object"), null);
            return;
        }
        JsonNode id = req.get("id");
        boolean negotiatedAtStart = negotiated;
        long started = System.nanoTime();
        String name = null;
        try {
            name = checkRequest(req);
            QmpCommand cmd = server.commands().find(name);
            // Before negotiation QEMU's table holds qmp_capabilities only.
            if (cmd == null || (!negotiatedAtStart && !name.equals("qmp_capabilities"))) {
                throw new QmpError(ErrorClass.CommandNotFound, "The command " + name + " has not been found");
            }
            JsonNode args = req.get("arguments");
            Arguments arguments = cmd.arguments().validate((ObjectNode) args);
            CommandCall call = new CommandCall(name, arguments, id, this, server);
            run(cmd, call, id, negotiatedAtStart, started);
        } catch (QmpError e) {
            reply(id, null, rewrite(e, negotiatedAtStart), null);
            logCommand(name, e, started);
        }
    }

    /** qmp_dispatch_check_obj: the members a request may have, in the order they were given. */
    private static String checkRequest(JsonNode req) throws QmpError {
        for (Map.Entry<String, JsonNode> e : req.properties()) {
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

    private void run(QmpCommand cmd, CommandCall call, JsonNode id, boolean negotiatedAtStart, long started) {
        CompletionStage<? extends JsonNode> stage;
        if (cmd.execution() == Execution.INLINE) {
            try {
                stage = cmd.execute(call);
            } catch (QmpError e) {
                stage = CompletableFuture.failedFuture(e);
            } catch (RuntimeException e) {
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
                }, server.modelExecutor()).thenCompose(s -> s);
            } catch (RejectedExecutionException e) {
                stage = CompletableFuture.failedFuture(QmpError.generic("The server is shutting down"));
            }
        }
        CompletableFuture<? extends JsonNode> f = stage == null
                ? CompletableFuture.failedFuture(new IllegalStateException("handler returned no stage"))
                : stage.toCompletableFuture();
        if (f.isDone()) {
            finish(cmd.name(), call, id, f, negotiatedAtStart, started);
        } else {
            busy = true;
            f.whenComplete((v, e) -> ch.eventLoop().execute(() -> {
                busy = false;
                if (!ch.isActive()) {
                    log.debug("client {} left before {} finished; its reply is dropped", number, cmd.name());
                    return;
                }
                finish(cmd.name(), call, id, f, negotiatedAtStart, started);
                flushIfNeeded();
                pump();
                drainInput();
                flushIfNeeded();
            }));
        }
    }

    private void finish(String name, CommandCall call, JsonNode id, CompletableFuture<? extends JsonNode> f,
                        boolean negotiatedAtStart, long started) {
        JsonNode value = null;
        QmpError error = null;
        try {
            value = f.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof QmpError q) {
                error = rewrite(q, negotiatedAtStart);
            } else {
                log.error("client {}: command {} failed unexpectedly", number, name, cause);
                error = QmpError.generic("Internal error in " + name + ": " + cause);
            }
        }
        reply(id, error == null ? (value == null ? NODES.objectNode() : value) : null, error, call.takeAfterReply());
        logCommand(name, error, started);
    }

    private void logCommand(String name, QmpError error, long started) {
        if (log.isDebugEnabled()) {
            long us = (System.nanoTime() - started) / 1000;
            log.debug("client {}: {} -> {} ({} us)", number, name == null ? "(invalid request)" : name,
                    error == null ? "ok" : error.errorClass() + " \"" + error.desc() + "\"", us);
        }
    }

    // ---- output

    private void reply(JsonNode id, JsonNode value, QmpError error, Runnable afterReply) {
        ObjectNode rsp = NODES.objectNode();
        if (error == null) {
            rsp.set("return", value);
        } else {
            rsp.putObject("error").put("class", error.errorClass().name()).put("desc", error.desc());
        }
        if (id != null) rsp.set("id", id);
        ByteBuf out = ctx.alloc().buffer(128);
        JsonWriter.write(rsp, out);
        out.writeByte('\r').writeByte('\n');
        if (afterReply != null) {
            ctx.writeAndFlush(out).addListener(done -> afterReply.run());
            unflushed = false;
        } else {
            ctx.write(out);
            unflushed = true;
        }
    }

    private void flushIfNeeded() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    /** Queues an event (called from any thread); an unread backlog past the limit disconnects the client. */
    void sendEvent(byte[] line) {
        Channel c = ch;
        if (c == null) return;
        if (c.eventLoop().inEventLoop()) {
            writeEvent(line);
        } else {
            c.eventLoop().execute(() -> writeEvent(line));
        }
    }

    private void writeEvent(byte[] line) {
        if (!ch.isActive()) return;
        if (!ch.isWritable() && pendingOutput() + line.length > server.config().maxPendingOutputBytes()) {
            log.warn("client {} ({}) is not reading: {} bytes of output pending, over the limit of {}; disconnecting it",
                    number, peer, pendingOutput(), server.config().maxPendingOutputBytes());
            ch.close();
            return;
        }
        ctx.write(Unpooled.wrappedBuffer(line));
        unflushed = false;
        ctx.flush();
    }

    private long pendingOutput() {
        return ch.isWritable() ? 0 : ch.bytesBeforeWritable() + server.config().writeLowWaterMark();
    }

    /** When the client has half-closed and everything it sent is answered, close after the output is flushed. */
    private void closeIfDone() {
        if (inputShutdown && heldInput == null && queue.isEmpty() && !busy && ch.isActive()) {
            unflushed = false;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Server stop: close once what was written has gone out; completes when closed. */
    CompletableFuture<Void> closeAfterFlush() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel c = ch;
        if (c == null) {
            done.complete(null);
            return done;
        }
        c.closeFuture().addListener(f -> done.complete(null));
        c.eventLoop().execute(() -> {
            if (ch.isActive()) ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        });
        return done;
    }
}
