package vdm.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The end of each model step (a driver enabled, a reset notified, a device attached, a guest config write...), by
 * name. Created and owned by the composition root and handed to the layers that finish steps; monitors above them
 * (the cross-layer invariants) subscribe here, so that no layer knows who checks it.
 */
public final class StepBus {
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    public void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Marks the end of a step: every listener is told, in the order they subscribed. */
    public void end(String step) {
        for (var l : listeners) l.accept(step);
    }
}
