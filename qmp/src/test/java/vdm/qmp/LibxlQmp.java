package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A QMP client that behaves as libxl's libxl__ev_qmp (tools/libs/light/libxl_qmp.c), written from its source:
 * <ul>
 * <li>libxl__ev_qmp_send on a disconnected ev connects, and takes the command's id first ({@code msg_id =
 * next_id++}); the greeting is then parsed for QMP.version.qemu's integers and answered with qmp_capabilities under
 * the next id (qmp_ev_handle_message), so on a fresh connection qmp_capabilities is 0x786c7101 and the command
 * 0x786c7100; a connected ev sends the next command on the same connection with the next id;</li>
 * <li>messages go out as {@code {"execute", "id", "arguments"?}} and a "\r\n" (qmp_prepare_cmd) and come in split
 * on "\r\n" (qmp_ev_get_next_msg);</li>
 * <li>a reply must carry an integer id equal to the one awaited, else ERROR_PROTOCOL_ERROR_QMP; events are
 * ignored; a greeting after the first one is a protocol error;</li>
 * <li>libxl__ev_qmp_dispose closes the connection and re-initialises the ev, so the ids start again at 0x786c7100.</li>
 * </ul>
 */
final class LibxlQmp implements AutoCloseable {
    static final int FIRST_ID = 0x786c7100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long READ_TIMEOUT_MS = 5000;

    /** The reply: libxl's callback gets the "return" value (rc 0) or the error (rc from qmp_ev_parse_error_messages). */
    record Reply(JsonNode value, JsonNode error) {
        boolean ok() { return error == null; }
    }

    /** ERROR_PROTOCOL_ERROR_QMP, with what libxl would have logged. */
    static final class ProtocolError extends IOException {
        ProtocolError(String message) { super(message); }
    }

    private final Path socket;
    private SocketChannel ch;
    private Selector selector;
    private final ByteBuffer rx = ByteBuffer.allocate(1 << 20);
    private int nextId = FIRST_ID;
    /** Every line written and read, CRLF included, over every connection of this ev. */
    final List<String> sent = new ArrayList<>();
    final List<String> received = new ArrayList<>();
    int connections;
    int eventsIgnored;
    /** The QEMU version the greeting advertised, as libxl stores it. */
    int[] qemuVersion = {-1, -1, -1};

    LibxlQmp(Path socket) {
        this.socket = socket;
    }

    boolean connected() { return ch != null; }

    Reply send(String cmd, ObjectNode args) throws IOException {
        boolean fresh = ch == null;
        if (fresh) connect();
        int msgId = nextId++;
        if (fresh) {
            JsonNode greeting = read();
            if (!greeting.has("QMP")) throw new ProtocolError("Unexpected message received: " + greeting);
            JsonNode qemu = greeting.path("QMP").path("version").path("qemu");
            String[] levels = {"major", "minor", "micro"};
            for (int i = 0; i < 3; i++) {
                if (!qemu.path(levels[i]).isIntegralNumber()) throw new ProtocolError("greeting without version." + levels[i]);
                qemuVersion[i] = qemu.get(levels[i]).intValue();
            }
            int capId = nextId++;
            write(prepare("qmp_capabilities", null, capId));
            Reply caps = await(capId);
            if (!caps.ok()) throw new ProtocolError("Error during capability negotiation: " + caps.error());
        }
        write(prepare(cmd, args, msgId));
        return await(msgId);
    }

    /** libxl__ev_qmp_dispose: the connection closes and the ev starts afresh. */
    void dispose() throws IOException {
        if (ch != null) {
            selector.close();
            ch.close();
        }
        ch = null;
        rx.clear();
        nextId = FIRST_ID;
    }

    @Override
    public void close() throws IOException {
        dispose();
    }

    private void connect() throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.configureBlocking(false);
        selector = Selector.open();
        ch.register(selector, SelectionKey.OP_READ);
        connections++;
    }

    private static String prepare(String cmd, ObjectNode args, int id) {
        ObjectNode o = JSON.createObjectNode().put("execute", cmd).put("id", id);
        if (args != null) o.set("arguments", args);
        return o + "\r\n";
    }

    private void write(String line) throws IOException {
        sent.add(line);
        ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    private Reply await(int id) throws IOException {
        while (true) {
            JsonNode m = read();
            if (m.has("QMP")) throw new ProtocolError("Unexpected greeting message received");
            if (m.has("return") || m.has("error")) {
                if (!m.path("id").isIntegralNumber()) throw new ProtocolError("reply without an integer id: " + m);
                if (m.get("id").intValue() != id) throw new ProtocolError("Message from QEMU with unexpected id " + m.get("id") + ": " + m);
                return m.has("return") ? new Reply(m.get("return"), null) : new Reply(null, m.get("error"));
            }
            if (m.has("event")) {
                eventsIgnored++;
                continue;
            }
            throw new ProtocolError("Unexpected message received: " + m);
        }
    }

    /** The next message: bytes up to "\r\n" (a message QEMU ends otherwise never completes, and times out here). */
    private JsonNode read() throws IOException {
        long deadline = System.currentTimeMillis() + READ_TIMEOUT_MS;
        while (true) {
            int end = crlf();
            if (end >= 0) {
                byte[] line = new byte[end + 2];
                rx.flip();
                rx.get(line);
                rx.compact();
                String text = new String(line, StandardCharsets.UTF_8);
                received.add(text);
                return JSON.readTree(text.substring(0, end));
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new ProtocolError("no message ending in CRLF within " + READ_TIMEOUT_MS + " ms");
            selector.select(left);
            selector.selectedKeys().clear();
            if (ch.read(rx) < 0) throw new ProtocolError("connection closed by QEMU");
        }
    }

    private int crlf() {
        for (int i = 0; i + 1 < rx.position(); i++) if (rx.get(i) == '\r' && rx.get(i + 1) == '\n') return i;
        return -1;
    }
}
