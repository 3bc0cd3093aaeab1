package vdm.explore;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Expands one level's nodes on every worker at once and hands each node's successors to the merge in node order, the
 * order one thread would take them in, so what the merge decides (which state is new, which finding came first) does
 * not depend on the number of threads. Nodes go out in chunks of {@link #CHUNK} to whichever worker is free; at most
 * a window of chunks may run ahead of the merge, which bounds the successors held in memory. A small level runs on
 * the first worker alone (the result is the same; only the time differs).
 */
final class ParallelLevel {
    /** Takes node {@code index}'s successors; false stops the level there (the rest are not merged). */
    interface Sink {
        boolean take(int index, List<Expander.Child> children);
    }

    static final int CHUNK = 16;

    private final List<Expander> workers;

    ParallelLevel(List<Expander> workers) {
        if (workers.isEmpty()) throw new IllegalArgumentException("no workers");
        this.workers = List.copyOf(workers);
    }

    /**
     * Expands nodes {@code from} to the end of level {@code level} ({@code levels} holds levels 0..level, finished).
     * Returns true if every node was merged, false if the sink stopped it.
     */
    boolean run(Frontier.Level[] levels, List<Set<String>> sets, int level, int from, Sink sink) {
        int size = levels[level].size();
        // A level of fewer than two chunks a worker is not worth the threads: the first worker takes it alone.
        if (workers.size() == 1 || size - from < 2L * CHUNK * workers.size()) {
            Expander w = workers.getFirst();
            for (int i = from; i < size; i++) if (!sink.take(i, w.expand(levels, sets, level, i))) return false;
            return true;
        }
        int chunks = (size - from + CHUNK - 1) / CHUNK;
        @SuppressWarnings("unchecked")
        CompletableFuture<List<Expander.Child>[]>[] results = new CompletableFuture[chunks];
        for (int c = 0; c < chunks; c++) results[c] = new CompletableFuture<>();
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Semaphore window = new Semaphore(4 * workers.size());
        Thread[] threads = new Thread[workers.size()];
        for (int t = 0; t < threads.length; t++) {
            Expander w = workers.get(t);
            threads[t] = Thread.ofPlatform().name("vdm-explore-" + t).daemon().start(() -> {
                while (!stop.get()) {
                    window.acquireUninterruptibly();
                    int c = next.getAndIncrement();
                    if (c >= chunks || stop.get()) return;
                    int lo = from + c * CHUNK, hi = Math.min(size, lo + CHUNK);
                    try {
                        @SuppressWarnings("unchecked")
                        List<Expander.Child>[] out = new List[hi - lo];
                        for (int i = lo; i < hi; i++) out[i - lo] = w.expand(levels, sets, level, i);
                        results[c].complete(out);
                    } catch (Throwable e) {
                        results[c].completeExceptionally(e);
                        stop.set(true);
                        return;
                    }
                }
            });
        }
        boolean whole = true;
        try {
            for (int c = 0; c < chunks && whole; c++) {
                List<Expander.Child>[] out;
                try {
                    out = results[c].join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error r) throw r;
                    throw e;
                }
                int lo = from + c * CHUNK;
                for (int i = 0; i < out.length; i++) {
                    if (!sink.take(lo + i, out[i])) {
                        whole = false;
                        break;
                    }
                }
                results[c] = null; // merged: let it go
                window.release();
            }
        } finally {
            stop.set(true);
            window.release(threads.length);
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return whole;
    }
}
