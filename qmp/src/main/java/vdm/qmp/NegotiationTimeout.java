package vdm.qmp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that has not negotiated ({@code qmp_capabilities}) within {@link QmpServer.Config#negotiationTimeout},
 * after one QMP error line saying why: a connection slot is held only by a client that speaks QMP, so idle
 * connections cannot fill {@link QmpServer.Config#maxConnections} and lock everyone out. QEMU has no such timer: its
 * QMP socket serves one client at a time (a second waits in the listen backlog), so an idle client blocks the
 * others there too; vdm serves many, and bounds how long one may hold a slot without negotiating.
 */
final class NegotiationTimeout extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(QmpServer.class);

    private final QmpSession session;
    private final Duration timeout;
    private ScheduledFuture<?> timer;

    NegotiationTimeout(QmpSession session, Duration timeout) {
        this.session = session;
        this.timeout = timeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> expire(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) timer.cancel(false);
        ctx.fireChannelInactive();
    }

    private void expire(ChannelHandlerContext ctx) {
        if (session.negotiated() || !ctx.channel().isActive()) return;
        log.info("closing QMP client {} ({}): no qmp_capabilities within {}", session.number(), session.peer(), text(timeout));
        ObjectNode err = JsonNodeFactory.instance.objectNode();
        err.putObject("error").put("class", ErrorClass.GenericError.name())
                .put("desc", "Capabilities negotiation did not complete within " + text(timeout)
                        + " (send qmp_capabilities first); closing the connection");
        ctx.channel().writeAndFlush(Unpooled.wrappedBuffer(QmpServer.line(err))).addListener(ChannelFutureListener.CLOSE);
    }

    /** "10 s", or "250 ms" below a whole second. */
    static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
