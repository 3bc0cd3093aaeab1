package vdm.log;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A layer's log: the newest {@code capacity} entries in order, like the kernel's log buffer and Xen's console ring,
 * and the listeners told of each entry as it is logged. Every layer (Xen's console, dom0's kernel log, the
 * toolstack's log) keeps one; the composition root subscribes to merge them into its trace, so no layer knows the
 * trace.
 */
public final class LogRing<E> {
    private final int capacity;
    private final ArrayDeque<E> entries = new ArrayDeque<>();
    private final List<Consumer<? super E>> listeners = new CopyOnWriteArrayList<>();

    public LogRing(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("log capacity " + capacity + " must be at least 1");
        this.capacity = capacity;
    }

    public void addListener(Consumer<? super E> listener) {
        listeners.add(listener);
    }

    /** Whether anyone listens: a layer may skip formatting a line nobody reads beyond the ring. */
    public boolean observed() {
        return !listeners.isEmpty();
    }

    /** Appends an entry (dropping the oldest when full), then tells the listeners, outside the ring's lock. */
    public E add(E entry) {
        synchronized (entries) {
            if (entries.size() == capacity) entries.removeFirst();
            entries.addLast(entry);
        }
        for (var l : listeners) l.accept(entry);
        return entry;
    }

    public List<E> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    public List<E> matching(Predicate<? super E> p) {
        synchronized (entries) {
            return entries.stream().filter(p).map(e -> (E) e).toList();
        }
    }

    public boolean any(Predicate<? super E> p) {
        synchronized (entries) {
            return entries.stream().anyMatch(p);
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /** Drops every entry (a state restore starts the layer's log afresh only if it asks). */
    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }
}
