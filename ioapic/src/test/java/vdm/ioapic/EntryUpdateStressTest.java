package vdm.ioapic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * Read-modify-writes of one redirection entry from two threads, each owning different bits (one toggles the mask
 * as a guest's bind/unbind does, the other the destination as dom0 reprogramming does). With {@link IoApic#updateEntry}
 * every change survives; with the old pattern, {@code setEntry(pin, entry(pin) ^ bit)}, one thread's change is
 * overwritten by the other's stale copy, which this test detects (see {@link #theOldReadThenSetPatternLosesUpdates}).
 */
class EntryUpdateStressTest {
    private static final int ROUNDS = 200_000;
    private static final long DEST_BIT = 1L << 56;

    @Test
    void concurrentUpdatesOfDifferentBitsOfOneEntryAreNeverLost() throws Exception {
        IoApic a = IoApic.builder().pins(24).sink((source, pin, address, data) -> {}).build();
        a.setEntry(3, RedirectionEntry.fixed(0x31, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0) | RedirectionEntry.MASK);
        long before = a.entry(3);
        run(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                if ((i & 1) == 0) a.updateEntry(3, RedirectionEntry.MASK, 0); else a.updateEntry(3, 0, RedirectionEntry.MASK);
            }
        }, () -> {
            for (int i = 0; i < ROUNDS; i++) {
                if ((i & 1) == 0) a.updateEntry(3, 0, DEST_BIT); else a.updateEntry(3, DEST_BIT, 0);
            }
        });
        assertEquals(Long.toHexString(before), Long.toHexString(a.entry(3)),
                "each thread undid its own changes an even number of times: the entry must be as before");
    }

    /**
     * What the stress test guards against, in the one interleaving that loses an update, played out step by step
     * rather than left to the scheduler (a loaded two-core machine often never interleaves the racing loops): one
     * side reads the entry, the other flips the destination, the first writes its stale copy back.
     */
    @Test
    void theOldReadThenSetPatternLosesTheUpdateMadeBetweenItsReadAndItsWrite() {
        IoApic a = IoApic.builder().pins(24).sink((source, pin, address, data) -> {}).build();
        a.setEntry(3, RedirectionEntry.fixed(0x31, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        long stale = a.entry(3);                       // the guest's unbind reads the entry
        a.setEntry(3, a.entry(3) ^ DEST_BIT);          // dom0 reprograms the destination
        a.setEntry(3, stale | RedirectionEntry.MASK);  // the unbind writes back what it read, masked
        assertEquals(0, a.entry(3) & DEST_BIT, "the destination dom0 wrote is lost");

        a.setEntry(3, RedirectionEntry.fixed(0x31, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        a.setEntry(3, a.entry(3) ^ DEST_BIT);
        a.updateEntry(3, 0, RedirectionEntry.MASK);    // one compare-and-set on the entry as it is now
        assertEquals(DEST_BIT | RedirectionEntry.MASK, a.entry(3) & (DEST_BIT | RedirectionEntry.MASK), "updateEntry keeps it");
    }

    private static void run(Runnable first, Runnable second) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                start.await();
                second.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        start.await();
        first.run();
        t.join();
        if (failure[0] != null) throw new AssertionError(failure[0]);
    }
}
