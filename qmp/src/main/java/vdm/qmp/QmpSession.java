package vdm.qmp;

/**
 * One QMP connection as its commands see it (QEMU's MonitorQMP less its I/O): a number and a peer for logs, and
 * whether capabilities negotiation is over, which decides the command table (QEMU's {@code commands} pointer moves
 * from qmp_cap_negotiation_commands to qmp_commands). {@link #negotiated()} may be read from any thread: events go
 * only to negotiated connections.
 */
final class QmpSession implements QmpClient {
    private final int number;
    private final String peer;
    private volatile boolean negotiated;

    QmpSession(int number, String peer) {
        this.number = number;
        this.peer = peer;
    }

    @Override
    public int number() { return number; }

    @Override
    public String peer() { return peer; }

    @Override
    public boolean negotiated() { return negotiated; }

    /** qmp_capabilities succeeded: from now on every command is found. */
    void negotiate() { negotiated = true; }
}
