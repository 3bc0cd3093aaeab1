package vdm.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The event bus: {@code {"event": NAME, "data": DATA, "timestamp": {"seconds", "microseconds"}}} to every client that
 * has negotiated capabilities (docs/interop/qmp-spec, "Asynchronous events"). Callable from any thread; never blocks.
 * A client that has stopped reading and whose backlog passes the server's limit is disconnected rather than let the
 * backlog grow.
 */
public interface QmpEvents {
    /** Emits {@code name} with {@code data} (null: the event has no "data" member). */
    void emit(String name, ObjectNode data);

    default void emit(String name) {
        emit(name, null);
    }
}
