package vdm.qmp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import vdm.qmp.json.JsonStreamer;
import vdm.qmp.json.JsonWriter;

/**
 * A QMP server on Unix sockets and/or TCP (docs/interop/qmp-spec). Each connection negotiates on its own; events go
 * to every negotiated connection. Network threads never block: model work runs on {@link #modelExecutor()}. A
 * client may write any number of requests before it reads (QEMU 7.2 answers them all): requests are read and
 * answered while the connection's unread replies are under {@link Config#writeHighWaterMark} (8 MiB), then input
 * is no longer read (back-pressure, as QEMU's monitor_suspend) until they drain under
 * {@link Config#writeLowWaterMark} (4 MiB); a client is never disconnected for its own replies. Events cannot wait:
 * a client whose unwritten events would pass {@link Config#maxPendingEventBytes} (8 MiB) is disconnected, so a slow
 * client holds bounded memory and never delays another.
 *
 * <pre>{@code
 * QmpServer server = QmpServer.start(CommandRegistry.withCoreCommands(), Config.DEFAULTS,
 *         List.of(Endpoint.parse("unix:./vdm-qmp.sock")));
 * server.events().emit("DEVICE_DELETED", data);
 * server.terminated().join();
 * }</pre>
 */
public final class QmpServer implements QmpEvents, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QmpServer.class);

    /**
     * Limits. The output bound B is {@code writeHighWaterMark}: the bytes of replies and events queued in the server
     * and not yet written to the socket (the kernel's socket buffer holds some more). Past B the connection's input
     * is no longer read; it is read again once the queue drains below {@code writeLowWaterMark}. Replies therefore
     * wait for the client (it is blocked in its writes, not cut off); events do not wait: an event that would take
     * the connection's unwritten events past {@code maxPendingEventBytes} disconnects it. {@code maxQueuedRequests}
     * is how many parsed requests may wait behind a running command before input stops being read (QEMU's
     * QMP_REQ_QUEUE_LEN_MAX is 8). A connection that has not sent {@code qmp_capabilities} within
     * {@code negotiationTimeout} gets one error and is closed ({@link NegotiationTimeout}). Defaults: B = 8 MiB,
     * resume at 4 MiB, events 8 MiB, 8 requests, 64 connections, negotiation within 10 s.
     */
    public record Config(int maxConnections, int maxMessageBytes, int maxDepth, int writeLowWaterMark,
                         int writeHighWaterMark, long maxPendingEventBytes, int maxQueuedRequests,
                         Duration negotiationTimeout) {
        public static final int DEFAULT_OUTPUT_BOUND = 8 * 1024 * 1024;
        public static final Duration DEFAULT_NEGOTIATION_TIMEOUT = Duration.ofSeconds(10);

        public static final Config DEFAULTS = new Config(64, JsonStreamer.DEFAULT_MAX_MESSAGE_BYTES,
                JsonStreamer.DEFAULT_MAX_DEPTH, DEFAULT_OUTPUT_BOUND / 2, DEFAULT_OUTPUT_BOUND, DEFAULT_OUTPUT_BOUND, 8,
                DEFAULT_NEGOTIATION_TIMEOUT);

        /** The limits with the default negotiation timeout. */
        public Config(int maxConnections, int maxMessageBytes, int maxDepth, int writeLowWaterMark,
                      int writeHighWaterMark, long maxPendingEventBytes, int maxQueuedRequests) {
            this(maxConnections, maxMessageBytes, maxDepth, writeLowWaterMark, writeHighWaterMark, maxPendingEventBytes,
                    maxQueuedRequests, DEFAULT_NEGOTIATION_TIMEOUT);
        }

        public Config {
            if (negotiationTimeout == null || negotiationTimeout.isNegative() || negotiationTimeout.isZero()
                    || negotiationTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("negotiationTimeout must be at least 1 ms, not " + negotiationTimeout);
            }
            if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1, not " + maxConnections);
            if (writeLowWaterMark < 1 || writeHighWaterMark < writeLowWaterMark) {
                throw new IllegalArgumentException("need 0 < writeLowWaterMark <= writeHighWaterMark, not "
                        + writeLowWaterMark + " and " + writeHighWaterMark);
            }
            if (maxPendingEventBytes < 1) {
                throw new IllegalArgumentException("maxPendingEventBytes must be >= 1, not " + maxPendingEventBytes);
            }
            if (maxQueuedRequests < 1) {
                throw new IllegalArgumentException("maxQueuedRequests must be >= 1, not " + maxQueuedRequests);
            }
        }

        public Config withMaxConnections(int n) {
            return new Config(n, maxMessageBytes, maxDepth, writeLowWaterMark, writeHighWaterMark,
                    maxPendingEventBytes, maxQueuedRequests, negotiationTimeout);
        }

        /** How long a connection may stay without {@code qmp_capabilities} before it is closed. */
        public Config withNegotiationTimeout(Duration timeout) {
            return new Config(maxConnections, maxMessageBytes, maxDepth, writeLowWaterMark, writeHighWaterMark,
                    maxPendingEventBytes, maxQueuedRequests, timeout);
        }

        /** Input resumes below {@code low} and stops past {@code high} bytes of unwritten output; events cap. */
        public Config withOutputLimits(int low, int high, long maxPendingEvents) {
            return new Config(maxConnections, maxMessageBytes, maxDepth, low, high, maxPendingEvents,
                    maxQueuedRequests, negotiationTimeout);
        }
    }

    private final Config config;
    private final EventLoopGroup group;
    private final boolean epoll;
    private final ExecutorService modelExecutor;
    /** The endpoints given to {@link #start}: the main command table and event bus. */
    private final Listener main;
    /** Every listener still open, main first (guarded by itself). */
    private final List<Listener> listeners = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger clientNumbers = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final byte[] greeting;

    private QmpServer(CommandRegistry commands, Config config) {
        this.config = config;
        this.epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(0, r -> {
            Thread t = new Thread(r, "vdm-qmp-io");
            t.setDaemon(true);
            return t;
        }, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.modelExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vdm-model");
            t.setDaemon(true);
            return t;
        });
        this.greeting = line(CoreCommands.greeting());
        this.main = new Listener(commands);
        listeners.add(main);
    }

    /** Binds every endpoint and starts serving; on any failure nothing stays bound. */
    public static QmpServer start(CommandRegistry commands, Config config, List<Endpoint> endpoints) throws IOException {
        if (endpoints.isEmpty()) throw new IllegalArgumentException("no endpoint to listen on");
        checkRegistry(commands);
        QmpServer s = new QmpServer(commands, config);
        try {
            for (Endpoint e : endpoints) s.main.bind(e);
        } catch (IOException | RuntimeException e) {
            s.stop().join();
            throw e;
        }
        return s;
    }

    private static void checkRegistry(CommandRegistry commands) {
        if (commands.find("qmp_capabilities") == null) {
            throw new IllegalArgumentException("the registry lacks qmp_capabilities (use CommandRegistry.withCoreCommands())");
        }
    }

    /**
     * Listens on {@code endpoint} with a command table and event bus of its own (as one QEMU per domain has: libxl's
     * {@code qmp-libxl-<domid>}), until the listener is closed or the server stops. On failure nothing stays bound.
     */
    public Listener listen(Endpoint endpoint, CommandRegistry commands) throws IOException {
        checkRegistry(commands);
        Listener l = new Listener(commands);
        synchronized (listeners) {
            if (stopping.get()) throw new IOException("cannot listen on " + endpoint + ": the server is stopping");
            listeners.add(l);
        }
        try {
            l.bind(endpoint);
        } catch (IOException | RuntimeException e) {
            l.close().join();
            throw e;
        }
        return l;
    }

    /**
     * A set of endpoints sharing one command table and one event bus: the server's main endpoints, or one added by
     * {@link #listen}. Closing it stops its endpoints, closes its connections (after what was written to them has
     * gone out) and removes its socket files.
     */
    public final class Listener implements QmpEvents {
        private final CommandRegistry commands;
        private final QmpDispatcher dispatcher;
        /** Each open connection's session (for its negotiation state) and output (for events and the final flush). */
        private final Map<QmpSession, QmpOutput> sessions = new ConcurrentHashMap<>();
        private final List<Channel> channels = new ArrayList<>();
        private final List<UnixSocketFile> socketFiles = new ArrayList<>();
        private final List<Endpoint> bound = new ArrayList<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        private Listener(CommandRegistry commands) {
            this.commands = commands;
            this.dispatcher = new QmpDispatcher(commands, modelExecutor, QmpServer.this, this);
        }

        public CommandRegistry commands() { return commands; }

        /** Where this listener listens, with actual TCP ports. */
        public List<Endpoint> endpoints() {
            synchronized (this) { return List.copyOf(bound); }
        }

        /** Connections open on this listener's endpoints. */
        public int connectionCount() { return sessions.size(); }

        /** Emits to this listener's negotiated connections only. */
        @Override
        public void emit(String name, ObjectNode data) {
            byte[] bytes = eventLine(name, data);
            int n = 0;
            for (Map.Entry<QmpSession, QmpOutput> s : sessions.entrySet()) {
                if (s.getKey().negotiated()) {
                    s.getValue().sendEvent(bytes);
                    n++;
                }
            }
            if (log.isDebugEnabled()) log.debug("event {} to {} client(s)", name, n);
        }

        /** Stops listening and closes this listener's connections; completes when they are closed. Idempotent. */
        public CompletableFuture<Void> close() {
            List<Channel> ls;
            synchronized (this) {
                if (!closed.compareAndSet(false, true)) return done;
                ls = List.copyOf(channels);
                socketFiles.forEach(UnixSocketFile::delete);
            }
            for (Channel l : ls) l.close();
            List<CompletableFuture<Void>> closing = new ArrayList<>();
            for (QmpOutput o : sessions.values()) closing.add(o.closeAfterFlush());
            synchronized (listeners) { listeners.remove(this); }
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> done.complete(null));
            return done;
        }

        void admit(Channel ch, String label) {
            if (closed.get()) {
                ch.close();
                return;
            }
            QmpSession s = new QmpSession(clientNumbers.incrementAndGet(), peer(ch, label));
            QmpOutput out = new QmpOutput(ch, config, s);
            sessions.put(s, out);
            ch.closeFuture().addListener(f -> sessions.remove(s));
            ch.pipeline().addLast("http-guard", new HttpRequestGuard(s.peer()))
                    .addLast("qmp-frames", new QmpFrameDecoder(config.maxMessageBytes(), config.maxDepth()))
                    .addLast("qmp-flow", new QmpFlowControl(s, dispatcher, out, greeting, config.maxQueuedRequests()))
                    .addLast("qmp-negotiation-timeout", new NegotiationTimeout(s, config.negotiationTimeout()));
        }

        private void bind(Endpoint e) throws IOException {
            listenOn(e, this);
        }

        /**
         * Records what a bind made. One that finishes after {@link #close} began (a client can connect and ask to
         * quit as soon as the socket file appears, before the bind has returned) is undone here, since close did
         * not see it: else the socket file would outlive the server.
         */
        private void bound(Channel ch, Endpoint e, UnixSocketFile file) {
            synchronized (this) {
                if (!closed.get()) {
                    if (ch != null) channels.add(ch);
                    if (file != null) socketFiles.add(file);
                    if (e != null) bound.add(e);
                    return;
                }
            }
            if (ch != null) ch.close();
            if (file != null) file.delete();
        }
    }

    private void listenOn(Endpoint e, Listener l) throws IOException {
        switch (e) {
            case Endpoint.Unix u -> {
                UnixSocketFile file = UnixSocketFile.bind(u.path(), tmp -> {
                    Channel ch = bootstrap(epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class,
                            "unix:" + UnixSocketFile.asGiven(u.path()), l)
                            .bind(epoll ? new DomainSocketAddress(tmp.toString()) : UnixDomainSocketAddress.of(tmp))
                            .sync().channel();
                    l.bound(ch, null, null);
                });
                l.bound(null, new Endpoint.Unix(file.path()), file);
            }
            case Endpoint.Tcp t -> {
                if (!t.loopback()) {
                    log.warn("QMP on {} is reachable from other machines, with no authentication", t);
                }
                Channel ch;
                try {
                    ch = bootstrap(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class, null, l)
                            .bind(new InetSocketAddress(t.host(), t.port())).sync().channel();
                } catch (Exception ex) {
                    throw new IOException("cannot listen on " + t + ": " + ex.getMessage(), ex);
                }
                int port = ((InetSocketAddress) ch.localAddress()).getPort();
                l.bound(ch, new Endpoint.Tcp(t.host(), port), null);
            }
        }
    }

    /** {@code label} names the peer of a Unix connection (which has no address of its own); null for TCP. */
    private ServerBootstrap bootstrap(Class<? extends ServerChannel> type, String label, Listener l) {
        return new ServerBootstrap().group(group).channel(type)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeLowWaterMark(), config.writeHighWaterMark()))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        admit(ch, label, l);
                    }
                });
    }

    /**
     * Sets up an accepted connection: a refusal past the connection cap, else the QMP pipeline (the frame decoder,
     * then flow control, which dispatches and writes through the connection's output).
     */
    void admit(Channel ch, String label) {
        admit(ch, label, main);
    }

    private void admit(Channel ch, String label, Listener l) {
        if (stopping.get()) {
            ch.close();
            return;
        }
        int n = connections.incrementAndGet();
        ch.closeFuture().addListener(f -> connections.decrementAndGet());
        if (n > config.maxConnections()) {
            ch.pipeline().addLast(new ConnectionRefusal(config.maxConnections(), peer(ch, label)));
            return;
        }
        l.admit(ch, label);
    }

    private static String peer(Channel ch, String label) {
        if (label != null) return label;
        return ch.remoteAddress() instanceof InetSocketAddress i
                ? "tcp:" + i.getAddress().getHostAddress() + ":" + i.getPort() : String.valueOf(ch.remoteAddress());
    }

    static byte[] line(com.fasterxml.jackson.databind.JsonNode node) {
        ByteBuf b = Unpooled.buffer(128);
        JsonWriter.write(node, b);
        b.writeByte('\r').writeByte('\n');
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    // ---- events

    private static byte[] eventLine(String name, ObjectNode data) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("an event needs a name");
        Instant now = Instant.now();
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("event", name);
        if (data != null) event.set("data", data);
        event.putObject("timestamp").put("seconds", now.getEpochSecond()).put("microseconds", now.getNano() / 1000);
        return line(event);
    }

    /** Emits on the main endpoints (a listener added by {@link #listen} has its own bus). */
    @Override
    public void emit(String name, ObjectNode data) {
        main.emit(name, data);
    }

    /** The main endpoints' event bus. */
    public QmpEvents events() { return this; }

    // ---- accessors

    /** The main endpoints' command table. */
    public CommandRegistry commands() { return main.commands(); }

    public Config config() { return config; }

    /** Runs model operations one at a time, off the network threads (commands with {@link Execution#MODEL}). */
    public ExecutorService modelExecutor() { return modelExecutor; }

    /** Where the main endpoints listen, with actual TCP ports (port 0 asks for any free port). */
    public List<Endpoint> endpoints() {
        return main.endpoints();
    }

    /** Open client connections, counting those being refused. */
    public int connectionCount() { return connections.get(); }

    /** Completes when the server has stopped (after {@code quit} or {@link #stop()}). */
    public CompletableFuture<Void> terminated() { return terminated; }

    /** Stops listening, closes every connection (flushing what was written), removes socket files. Idempotent. */
    public CompletableFuture<Void> stop() {
        if (!stopping.compareAndSet(false, true)) return terminated;
        log.info("QMP server stopping");
        List<Listener> ls;
        synchronized (listeners) { ls = List.copyOf(listeners); }
        // Sessions close first, each after its queued output (the SHUTDOWN event) has gone out; only then do the
        // event loops stop, since a stopping loop closes its channels before running queued writes.
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        for (Listener l : ls) closed.add(l.close());
        modelExecutor.shutdown();
        CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, 3, TimeUnit.SECONDS)
                .whenComplete((v, e) -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> {
                    modelExecutor.shutdownNow();
                    terminated.complete(null);
                }));
        return terminated;
    }

    @Override
    public void close() {
        stop().join();
    }
}
