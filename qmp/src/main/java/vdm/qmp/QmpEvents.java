package vdm.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The event bus: {@code {"event": NAME, "data": DATA, "timestamp": {"seconds", "microseconds"}}} to every client that
 * has negotiated capabilities (docs/interop/qmp-spec, "Asynchronous events"). Callable from any thread; never blocks,
 * and no client waits on another. Events cannot be held back as requests are: a client whose events not yet written
 * to its socket would pass {@link QmpServer.Config#maxPendingEventBytes} (8 MiB by default) is disconnected, with a
 * warning naming it, rather than let the backlog grow.
 */
public interface QmpEvents {
    /** Emits {@code name} with {@code data} (null: the event has no "data" member). */
    void emit(String name, ObjectNode data);

    default void emit(String name) {
        emit(name, null);
    }
}
