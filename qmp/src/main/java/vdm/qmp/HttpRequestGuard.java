package vdm.qmp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a connection whose first bytes are an HTTP request line ({@code GET /...}): one GenericError line, then
 * the connection closes. A browser or an HTTP client pointed at a QMP port (or a web page making one connect to a
 * loopback TCP port) thus gets nothing served and no stream of parse errors. Decides on the first bytes only, then
 * steps out of the pipeline and hands what it holds to the frame decoder: a QMP client's first byte is JSON
 * ({@code {} or white space), which no method starts with, so QMP traffic passes at once.
 */
final class HttpRequestGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(QmpServer.class);

    /** RFC 9110's methods, PATCH (RFC 5789), and HTTP/2's connection preface ("PRI * HTTP/2.0"), each with its space. */
    private static final List<byte[]> METHODS = java.util.stream.Stream.of(
                    "GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "CONNECT ", "OPTIONS ", "TRACE ", "PATCH ", "PRI ")
            .map(m -> m.getBytes(StandardCharsets.US_ASCII)).toList();

    static final String DESC = "This is a QMP server (JSON messages over a socket), not an HTTP server; closing the connection";

    private final String peer;
    private boolean refused;
    /** The first bytes, while they are a method's prefix (at most 7 bytes). */
    private ByteBuf held;

    HttpRequestGuard(String peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (refused) {
            in.release();
            return;
        }
        ByteBuf buf = in;
        if (held != null) {
            held.writeBytes(in);
            in.release();
            buf = held;
            held = null;
        }
        switch (verdict(buf)) {
            case HTTP -> refuse(ctx, buf);
            case NOT_HTTP -> pass(ctx, buf);
            case UNDECIDED -> held = buf.readableBytes() == 0 ? null : keep(ctx, buf); // a method's prefix: wait
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // The client half-closed on a method's prefix ("GET"): not a request line; QMP answers what came.
        if (evt instanceof ChannelInputShutdownEvent && held != null && !refused) {
            ByteBuf b = held;
            held = null;
            pass(ctx, b);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }

    private static ByteBuf keep(ChannelHandlerContext ctx, ByteBuf buf) {
        ByteBuf copy = ctx.alloc().buffer(16);
        copy.writeBytes(buf);
        buf.release();
        return copy;
    }

    /** Not HTTP: hands the bytes on and leaves the pipeline, costing nothing from then on. */
    private void pass(ChannelHandlerContext ctx, ByteBuf buf) {
        ctx.fireChannelRead(buf);
        ctx.pipeline().remove(this);
    }

    private enum Verdict { HTTP, NOT_HTTP, UNDECIDED }

    static Verdict verdict(ByteBuf in) {
        int n = in.readableBytes(), start = in.readerIndex();
        boolean prefix = false;
        for (byte[] m : METHODS) {
            int k = Math.min(n, m.length);
            boolean same = true;
            for (int i = 0; i < k && same; i++) same = in.getByte(start + i) == m[i];
            if (!same) continue;
            if (k == m.length) return Verdict.HTTP;
            prefix = true;
        }
        return prefix ? Verdict.UNDECIDED : Verdict.NOT_HTTP;
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in) {
        refused = true;
        int n = Math.min(in.readableBytes(), 16);
        log.warn("refused an HTTP request from {} on a QMP socket ({}...)", peer,
                in.toString(in.readerIndex(), n, StandardCharsets.US_ASCII).strip());
        in.release();
        ObjectNode err = JsonNodeFactory.instance.objectNode();
        err.putObject("error").put("class", ErrorClass.GenericError.name()).put("desc", DESC);
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(QmpServer.line(err))).addListener(ChannelFutureListener.CLOSE);
    }
}
