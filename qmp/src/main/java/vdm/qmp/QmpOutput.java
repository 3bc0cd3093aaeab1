package vdm.qmp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vdm.qmp.json.JsonWriter;

/**
 * What one connection writes: the greeting, replies (flushed together at the end of a read, or at once when
 * something waits on them), and events (from any thread). A client that does not read is bounded twice: a backlog
 * of events past {@link QmpServer.Config#maxPendingOutputBytes} or output blocked for
 * {@link QmpServer.Config#stallTimeout} disconnects it, so it cannot hold server memory or a request slot forever.
 * Runs on the connection's event loop except {@link #sendEvent} and {@link #closeAfterFlush}.
 */
final class QmpOutput {
    private static final Logger log = LoggerFactory.getLogger(QmpOutput.class);

    private final Channel ch;
    private final QmpServer.Config config;
    private final QmpSession session;
    private boolean unflushed;
    private ScheduledFuture<?> stallCheck;

    QmpOutput(Channel ch, QmpServer.Config config, QmpSession session) {
        this.ch = ch;
        this.config = config;
        this.session = session;
    }

    void greet(byte[] greeting) {
        ch.writeAndFlush(Unpooled.wrappedBuffer(greeting));
    }

    /** Writes a reply line; flushed now if something runs after it, else by {@link #flushIfNeeded}. */
    void reply(QmpReply reply) {
        ByteBuf out = ch.alloc().buffer(128);
        JsonWriter.write(reply.toJson(), out);
        out.writeByte('\r').writeByte('\n');
        Runnable after = reply.afterReply();
        if (after != null) {
            ch.writeAndFlush(out).addListener(done -> after.run());
            unflushed = false;
        } else {
            ch.write(out);
            unflushed = true;
        }
    }

    void flushIfNeeded() {
        if (unflushed) {
            unflushed = false;
            ch.flush();
        }
    }

    /** Queues an event line (called from any thread); an unread backlog past the limit disconnects the client. */
    void sendEvent(byte[] line) {
        if (ch.eventLoop().inEventLoop()) {
            writeEvent(line);
        } else {
            ch.eventLoop().execute(() -> writeEvent(line));
        }
    }

    private void writeEvent(byte[] line) {
        if (!ch.isActive()) return;
        if (!ch.isWritable() && pendingOutput() + line.length > config.maxPendingOutputBytes()) {
            log.warn("client {} ({}) is not reading: {} bytes of output pending, over the limit of {}; disconnecting it",
                    session.number(), session.peer(), pendingOutput(), config.maxPendingOutputBytes());
            ch.close();
            return;
        }
        ch.write(Unpooled.wrappedBuffer(line));
        unflushed = false;
        ch.flush();
    }

    /** Output blocked starts the stall clock; output flowing again stops it. */
    void writabilityChanged() {
        if (ch.isWritable()) {
            stopStallCheck();
        } else if (stallCheck == null) {
            long ms = config.stallTimeout().toMillis();
            stallCheck = ch.eventLoop().schedule(() -> {
                stallCheck = null;
                if (ch.isActive() && !ch.isWritable()) {
                    log.warn("client {} ({}) has not read its output for {} ms ({} bytes pending): disconnecting it",
                            session.number(), session.peer(), ms, pendingOutput());
                    ch.close();
                }
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    void stopStallCheck() {
        if (stallCheck != null) {
            stallCheck.cancel(false);
            stallCheck = null;
        }
    }

    private long pendingOutput() {
        return ch.isWritable() ? 0 : ch.bytesBeforeWritable() + config.writeLowWaterMark();
    }

    /** Closes once everything written has gone out (the client half-closed and has every reply). */
    void closeWhenFlushed() {
        unflushed = false;
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Server stop, from any thread: close once what was written has gone out; completes when closed. */
    CompletableFuture<Void> closeAfterFlush() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ch.closeFuture().addListener(f -> done.complete(null));
        ch.eventLoop().execute(() -> {
            if (ch.isActive()) ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        });
        return done;
    }
}
