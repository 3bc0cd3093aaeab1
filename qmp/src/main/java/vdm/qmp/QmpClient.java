package vdm.qmp;

/** A connected client as commands see it. */
public interface QmpClient {
    /** A number unique within this server's run, for logs. */
    int number();

    /** The peer, e.g. {@code unix:/run/vdm.sock} or {@code tcp:127.0.0.1:40312}. */
    String peer();

    /** Whether qmp_capabilities has succeeded on this connection (events go only to such clients). */
    boolean negotiated();
}
