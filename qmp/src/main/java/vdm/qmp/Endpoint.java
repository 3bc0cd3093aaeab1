package vdm.qmp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/** Where a QMP server listens: {@code unix:PATH} or {@code tcp:HOST:PORT}. */
public sealed interface Endpoint {
    record Unix(Path path) implements Endpoint {
        @Override
        public String toString() { return "unix:" + path; }
    }

    /** A TCP address; {@link #loopback()} is false when the address is reachable from other machines. */
    record Tcp(String host, int port) implements Endpoint {
        public Tcp {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is not 0..65535");
        }

        public boolean loopback() {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * Parses {@code unix:PATH}, {@code tcp:HOST:PORT}, {@code tcp:PORT} or {@code tcp::PORT} (both loopback: unlike
     * QEMU, where an empty host means every interface, vdm listens beyond loopback only when the host says so).
     * With {@code bareIsPath}, text without a scheme is a Unix socket path.
     */
    static Endpoint parse(String text, boolean bareIsPath) {
        if (text.startsWith("unix:")) {
            String p = text.substring(5);
            if (p.isEmpty()) throw bad(text, "the path is empty");
            return new Unix(Path.of(p));
        }
        if (text.startsWith("tcp:")) {
            String rest = text.substring(4);
            int colon = rest.lastIndexOf(':');
            String host = colon < 0 ? "" : rest.substring(0, colon);
            String port = colon < 0 ? rest : rest.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            if (host.isEmpty()) host = "127.0.0.1";
            int n;
            try {
                n = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw bad(text, "'" + port + "' is not a port number");
            }
            if (n < 0 || n > 65535) throw bad(text, "port " + n + " is not 0..65535");
            resolvable(text, host);
            return new Tcp(host, n);
        }
        if (bareIsPath && !text.isEmpty() && !text.matches("[a-z]+:.*")) return new Unix(Path.of(text));
        throw bad(text, "expected unix:PATH or tcp:HOST:PORT");
    }

    static Endpoint parse(String text) {
        return parse(text, false);
    }

    /**
     * Resolves the host now, so that a name that does not resolve is refused here with its reason, not later by the
     * bind or connect as {@code null} after a warning that the address is reachable from other machines.
     */
    private static void resolvable(String text, String host) {
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            String why = e.getMessage() == null || e.getMessage().equals(host) ? "" : e.getMessage().replace(host + ": ", "");
            throw bad(text, "unknown host '" + host + "'" + (why.isEmpty() ? "" : " (" + why + ")"));
        }
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad QMP address '" + text + "': " + why);
    }
}
