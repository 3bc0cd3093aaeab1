package vdm.qmp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A plain line-level QMP connection with timeouts: sends raw bytes and reads the server's CRLF-ended lines as
 * text. Used by {@code vdm qmp}, the tests and the benchmarks; it neither parses nor negotiates.
 */
public final class QmpLineClient implements AutoCloseable {
    private final SocketChannel ch;
    private final Selector selector;
    private final SelectionKey key;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    private QmpLineClient(SocketChannel ch) throws IOException {
        this.ch = ch;
        ch.configureBlocking(false);
        this.selector = Selector.open();
        this.key = ch.register(selector, 0);
    }

    public static QmpLineClient connect(Endpoint endpoint) throws IOException {
        SocketChannel ch = switch (endpoint) {
            case Endpoint.Unix u -> {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    c.connect(UnixDomainSocketAddress.of(u.path()));
                } catch (IOException e) {
                    c.close();
                    throw new IOException("cannot connect to " + u + ": " + e.getMessage(), e);
                }
                yield c;
            }
            case Endpoint.Tcp t -> {
                try {
                    yield SocketChannel.open(new InetSocketAddress(t.host(), t.port()));
                } catch (IOException e) {
                    throw new IOException("cannot connect to " + t + ": " + e.getMessage(), e);
                }
            }
        };
        return new QmpLineClient(ch);
    }

    public static QmpLineClient connect(String address) throws IOException {
        return connect(Endpoint.parse(address, true));
    }

    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
    }

    /** Writes all of {@code bytes}, failing with SocketTimeoutException if the peer takes none for {@code timeout}. */
    public void send(byte[] bytes, Duration timeout) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            if (ch.write(b) == 0 && !await(SelectionKey.OP_WRITE, timeout)) {
                throw new SocketTimeoutException("the server took no input for " + timeout.toMillis() + " ms");
            }
        }
    }

    /** Writes what the socket takes now without waiting; returns how many bytes. */
    public int trySend(ByteBuffer bytes) throws IOException {
        return ch.write(bytes);
    }

    /** The next line without its CRLF; null when the server closed the connection. */
    public String readLine(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int start = in.position(), end = in.limit();
            for (int i = start; i < end; i++) {
                if (in.get(i) == '\n') {
                    partial.write(in.array(), start, i - start);
                    in.position(i + 1);
                    byte[] line = partial.toByteArray();
                    partial.reset();
                    int n = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
                    return new String(line, 0, n, StandardCharsets.UTF_8);
                }
            }
            partial.write(in.array(), start, end - start);
            in.position(end);
            if (!fill(deadline, timeout)) {
                if (partial.size() > 0) {
                    String rest = partial.toString(StandardCharsets.UTF_8);
                    partial.reset();
                    return rest;
                }
                return null;
            }
        }
    }

    /**
     * Reads and discards {@code n} lines, returning how many of them start with {@code prefix} (a cheap check for
     * load generators). Fails if the server closes first.
     */
    public int skipLines(int n, byte prefix, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0, matching = 0;
        boolean atLineStart = partial.size() == 0;
        partial.reset();
        while (seen < n) {
            while (in.hasRemaining() && seen < n) {
                byte c = in.get();
                if (atLineStart && c == prefix) matching++;
                atLineStart = c == '\n';
                if (atLineStart) seen++;
            }
            if (seen < n && !fill(deadline, timeout)) throw new IOException("the server closed the connection");
        }
        return matching;
    }

    /** Refills the input buffer; false at end of stream. */
    private boolean fill(long deadline, Duration timeout) throws IOException {
        while (true) {
            in.clear();
            int n = ch.read(in);
            in.flip();
            if (n < 0) return false;
            if (n > 0) return true;
            long left = deadline - System.nanoTime();
            if (left <= 0 || !await(SelectionKey.OP_READ, Duration.ofNanos(left))) {
                throw new SocketTimeoutException("no line from the server within " + timeout.toMillis() + " ms");
            }
        }
    }

    private boolean await(int op, Duration timeout) throws IOException {
        key.interestOps(op);
        int ready = selector.select(Math.max(1, timeout.toMillis()));
        selector.selectedKeys().clear();
        key.interestOps(0);
        return ready > 0;
    }

    /** Half-closes: the server answers what it has and then closes. */
    public void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            ch.close();
        }
    }
}
