package vdm.qmp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection over the cap gets one line, a QMP error in place of the greeting, and is closed: a client fails
 * at once with a message that says why, instead of waiting on a connection nobody will serve.
 */
final class ConnectionRefusal extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(QmpServer.class);

    private final int cap;
    private final String peer;

    ConnectionRefusal(int cap, String peer) {
        this.cap = cap;
        this.peer = peer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        log.warn("refused a QMP connection from {}: {} connections is the limit", peer, cap);
        ObjectNode err = JsonNodeFactory.instance.objectNode();
        err.putObject("error").put("class", ErrorClass.GenericError.name())
                .put("desc", "Too many QMP connections (the limit is " + cap + "); try again later");
        ctx.writeAndFlush(Unpooled.wrappedBuffer(QmpServer.line(err))).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }
}
