package vdm.qmp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vdm.qmp.json.JsonWriter;

/**
 * What one connection writes: the greeting, replies (flushed together at the end of a read, or at once when
 * something waits on them), and events (from any thread). Replies are bounded by back-pressure, not here: past
 * {@link QmpServer.Config#writeHighWaterMark} of unwritten output the channel turns unwritable and
 * {@link QmpFlowControl} stops reading requests, so a client that writes a long batch before reading waits, and is
 * never cut off for its own replies. Events have no requester to hold back: their unwritten bytes are counted here,
 * and an event that would take them past {@link QmpServer.Config#maxPendingEventBytes} disconnects the client (the
 * slow-client cut-off; QEMU 7.2's monitor output buffer grows without bound, monitor_flush_locked in
 * monitor/monitor.c). Runs on the connection's event loop except {@link #sendEvent} and {@link #closeAfterFlush}.
 */
final class QmpOutput {
    private static final Logger log = LoggerFactory.getLogger(QmpOutput.class);

    private final Channel ch;
    private final QmpServer.Config config;
    private final QmpSession session;
    private boolean unflushed;
    /** Bytes of event lines handed to the channel and not yet written to the socket. */
    private long pendingEventBytes;

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
        long limit = config.maxPendingEventBytes();
        if (pendingEventBytes + line.length > limit) {
            log.warn("client {} ({}) is not reading: {} bytes of events pending, over the limit of {}; disconnecting it",
                    session.number(), session.peer(), pendingEventBytes, limit);
            ch.close();
            return;
        }
        int n = line.length;
        pendingEventBytes += n;
        // The promise completes (on this loop) once the line is in the socket, or fails when the channel closes.
        ch.writeAndFlush(Unpooled.wrappedBuffer(line)).addListener(done -> pendingEventBytes -= n);
        unflushed = false;
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
