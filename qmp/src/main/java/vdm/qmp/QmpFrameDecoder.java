package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ByteProcessor;
import java.util.ArrayDeque;
import vdm.qmp.json.JsonStreamer;

/**
 * Bytes to {@link QmpFrame}s: the connection's JSON streamer (json-streamer.c, with its size and depth limits) fed
 * byte by byte, each complete message or error passed on as it ends. Messages may be split over reads or several
 * to a read.
 *
 * <p>It lexes only while the channel reads: when the handler after it turns auto-read off (a command is running
 * and enough requests wait behind it, or the client does not read its output; QEMU suspends the monitor), the
 * rest of the input is held unlexed, as QEMU leaves it in the socket, and lexed on the next {@code read()}, the
 * one that turning auto-read back on issues. The client's half-close is passed on once the held input is lexed, so
 * that what follows sees the end of input after the last request.
 */
final class QmpFrameDecoder extends ChannelDuplexHandler implements JsonStreamer.Sink, ByteProcessor {
    private final JsonStreamer streamer;
    /** Frames the last byte completed (a byte may end one message and be an error itself). */
    private final ArrayDeque<QmpFrame> completed = new ArrayDeque<>(2);
    private ByteBuf held;
    private boolean decoding;
    private boolean readRequested;
    private ChannelInputShutdownEvent heldShutdown;

    QmpFrameDecoder(int maxMessageBytes, int maxDepth) {
        this.streamer = new JsonStreamer(this, maxMessageBytes, maxDepth);
    }

    /** Whether input is waiting to be lexed. */
    boolean holdsInput() {
        return held != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (held == null) {
            held = in;
        } else { // rare: a read that was under way when input was paused
            ByteBuf merged = ctx.alloc().buffer(held.readableBytes() + in.readableBytes());
            merged.writeBytes(held).writeBytes(in);
            held.release();
            in.release();
            held = merged;
        }
        if (decoding) return; // delivered while a frame was handled: the running loop lexes it
        decode(ctx);
        if (readRequested && held == null) ctx.read();
    }

    /** Input resumes: lex what is held first, and read the socket only once it is all lexed. */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (decoding) { // input paused and resumed while a frame was handled: read once the loop has lexed it all
            readRequested = true;
            return;
        }
        decode(ctx);
        if (held == null) ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent shutdown && held != null) {
            heldShutdown = shutdown;
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    /** Lexes held input while the channel reads, passing each frame on as it completes. */
    private void decode(ChannelHandlerContext ctx) {
        readRequested = false;
        decoding = true;
        try {
            while (held != null && ctx.channel().isActive() && ctx.channel().config().isAutoRead()) {
                int stop = held.forEachByte(this);
                if (stop < 0) {
                    release();
                } else {
                    held.readerIndex(stop + 1);
                    if (!held.isReadable()) release();
                }
                while (!completed.isEmpty()) ctx.fireChannelRead(completed.poll());
            }
        } finally {
            decoding = false;
        }
        if (held == null && heldShutdown != null) {
            ChannelInputShutdownEvent evt = heldShutdown;
            heldShutdown = null;
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** One input byte (ByteProcessor): stops at the end of a frame, so that it is handled before more is lexed. */
    @Override
    public boolean process(byte b) {
        streamer.feed(b);
        return completed.isEmpty();
    }

    @Override
    public void message(JsonNode value) {
        completed.add(QmpFrame.message(value));
    }

    @Override
    public void error(String desc) {
        completed.add(QmpFrame.error(desc));
    }
}
