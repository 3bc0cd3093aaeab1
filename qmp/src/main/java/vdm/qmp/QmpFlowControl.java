package vdm.qmp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, run one at a time in order as QEMU's monitor runs them (monitor_qmp_bh_dispatcher
 * takes the next request only after the previous reply): a request that arrives while one runs waits in the queue,
 * and input stops being read (QEMU's monitor_suspend) while {@link QmpServer.Config#maxQueuedRequests} wait
 * (handle_qmp_command against QMP_REQ_QUEUE_LEN_MAX, monitor/qmp.c) or while the connection's unwritten output is past
 * {@link QmpServer.Config#writeHighWaterMark} (the channel is unwritable); it resumes when the queue has room and
 * the output has drained below {@link QmpServer.Config#writeLowWaterMark}. QEMU has only the first bound (its output
 * buffer grows without limit); the second holds a batch-writing client in its own writes instead of buffering its
 * replies without bound, and no timer cuts it off. After the client half-closes, what it sent is answered and then
 * the connection closes. Runs on the connection's event loop.
 */
final class QmpFlowControl extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(QmpFlowControl.class);

    private final QmpSession session;
    private final QmpDispatcher dispatcher;
    private final QmpOutput output;
    private final byte[] greeting;
    private final int maxQueuedRequests;
    private final ArrayDeque<QmpFrame> queue = new ArrayDeque<>();
    private Channel ch;
    private boolean busy;           // a command is running off this thread; later requests wait
    private boolean inputShutdown;  // the client half-closed: finish what it sent, then close
    private boolean closing;

    QmpFlowControl(QmpSession session, QmpDispatcher dispatcher, QmpOutput output, byte[] greeting, int maxQueuedRequests) {
        this.session = session;
        this.dispatcher = dispatcher;
        this.output = output;
        this.greeting = greeting;
        this.maxQueuedRequests = maxQueuedRequests;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ch = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        log.debug("client {} connected ({})", session.number(), session.peer());
        output.greet(greeting);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        log.debug("client {} disconnected", session.number());
        queue.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof QmpFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        queue.add(frame);
        pump();
        if (!acceptingInput()) ch.config().setAutoRead(false);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        output.flushIfNeeded();
        ctx.fireChannelReadComplete();
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
            resumeInput();
            output.flushIfNeeded();
        } else {
            ch.config().setAutoRead(false);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("client {}: {}", session.number(), cause.toString());
        } else {
            log.warn("client {}: unexpected error, closing the connection", session.number(), cause);
        }
        ctx.close();
    }

    /** Whether more requests may be taken: output is under the high water mark and fewer than the limit wait. */
    private boolean acceptingInput() {
        return ch.isWritable() && queue.size() < maxQueuedRequests;
    }

    private void resumeInput() {
        if (ch.isActive() && acceptingInput()) ch.config().setAutoRead(true);
        closeIfDone();
    }

    /** Starts waiting requests in order until one runs on past this call. */
    private void pump() {
        while (!busy && !queue.isEmpty() && ch.isActive()) {
            CompletableFuture<QmpReply> reply = dispatcher.dispatch(queue.poll(), session);
            if (reply.isDone()) {
                output.reply(reply.join());
            } else {
                busy = true;
                reply.whenComplete((r, e) -> ch.eventLoop().execute(() -> finished(r)));
            }
        }
    }

    /** The running command's reply is ready: write it, then take the next requests and resume input. */
    private void finished(QmpReply reply) {
        busy = false;
        if (!ch.isActive()) {
            log.debug("client {} left before {} finished; its reply is dropped", session.number(), reply.command());
            return;
        }
        output.reply(reply);
        output.flushIfNeeded();
        pump();
        resumeInput();
        output.flushIfNeeded();
    }

    /** When the client has half-closed and everything it sent is answered, close after the output is flushed. */
    private void closeIfDone() {
        if (inputShutdown && !closing && queue.isEmpty() && !busy && ch.isActive()) {
            closing = true;
            output.closeWhenFlushed();
        }
    }
}
