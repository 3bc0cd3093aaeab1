package vdm.qmp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One QMP connection on Netty's EmbeddedChannel, set up by a real server exactly as it sets up an accepted socket
 * (QmpServer.admit): the test owns the input, the output's writability and the clock, so flow control is checked
 * deterministically. Commands that run here must be INLINE (the embedded event loop is the test's thread).
 */
final class EmbeddedQmp implements AutoCloseable {
    final EmbeddedChannel ch;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    EmbeddedQmp(QmpServer server) {
        ch = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                server.admit(c, "embedded");
            }
        });
        ch.freezeTime();
    }

    /** Delivers {@code text} as one read. */
    void send(String text) {
        sendBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    void sendBytes(byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    /** The client half-closes, as the transport reports it (ALLOW_HALF_CLOSURE). */
    void shutdownInput() {
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        ch.runPendingTasks();
    }

    /** The client stops (false) or starts again (true) reading its output: the channel's writability follows. */
    void clientReads(boolean reads) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, reads);
        ch.runPendingTasks();
    }

    /** Runs what completions handed to the event loop. */
    void runTasks() {
        ch.runPendingTasks();
    }

    /** Whether the connection reads input (false: paused, as QEMU's monitor_suspend). */
    boolean reading() {
        return ch.config().isAutoRead();
    }

    /** Whether input is held unlexed in the frame decoder. */
    boolean holdsInput() {
        return ch.pipeline().get(QmpFrameDecoder.class).holdsInput();
    }

    /** Every complete line written (and flushed) since the last call, without CRLF. */
    List<String> lines() {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            try {
                b.readBytes(partial, b.readableBytes());
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            } finally {
                b.release();
            }
        }
        byte[] all = partial.toByteArray();
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i + 1 < all.length; i++) {
            if (all[i] == '\r' && all[i + 1] == '\n') {
                out.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 2;
                i++;
            }
        }
        partial.reset();
        partial.write(all, start, all.length - start);
        return out;
    }

    /** Reads the greeting and negotiates. */
    EmbeddedQmp negotiated() {
        List<String> greeting = lines();
        if (greeting.size() != 1 || !greeting.getFirst().startsWith("{\"QMP\": ")) throw new AssertionError("greeting: " + greeting);
        send("{\"execute\": \"qmp_capabilities\"}");
        List<String> r = lines();
        if (!r.equals(List.of("{\"return\": {}}"))) throw new AssertionError("negotiation failed: " + r);
        return this;
    }

    @Override
    public void close() {
        ch.finishAndReleaseAll();
    }
}
