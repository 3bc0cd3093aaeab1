package vdm.ioapic;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An IO-APIC's {@link UnmaskListener}s: a copy-on-write array changed by compare-and-set, so that telling them
 * (on every masked -> unmasked transition, from any thread) takes no lock and allocates nothing.
 */
final class UnmaskListeners {
    private final AtomicReference<UnmaskListener[]> listeners = new AtomicReference<>(new UnmaskListener[0]);

    void add(UnmaskListener listener) {
        if (listener == null) throw new NullPointerException("listener");
        listeners.updateAndGet(old -> {
            UnmaskListener[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = listener;
            return next;
        });
    }

    /** Removes a listener added before; returns whether it was there. */
    boolean remove(UnmaskListener listener) {
        for (;;) {
            UnmaskListener[] old = listeners.getAcquire();
            int i = Arrays.asList(old).indexOf(listener);
            if (i < 0) return false;
            UnmaskListener[] next = new UnmaskListener[old.length - 1];
            System.arraycopy(old, 0, next, 0, i);
            System.arraycopy(old, i + 1, next, i, old.length - i - 1);
            if (listeners.compareAndSet(old, next)) return true;
        }
    }

    /** Tells every listener that {@code pin} of {@code source} was unmasked with entry {@code word}. */
    void unmasked(IoApic source, int pin, long word) {
        UnmaskListener[] ls = listeners.getAcquire();
        if (ls.length == 0) return;
        TriggerMode trigger = RedirectionEntry.trigger(word);
        Polarity polarity = RedirectionEntry.polarity(word);
        for (UnmaskListener l : ls) l.unmasked(source, pin, source.gsiBase() + pin, trigger, polarity);
    }
}
