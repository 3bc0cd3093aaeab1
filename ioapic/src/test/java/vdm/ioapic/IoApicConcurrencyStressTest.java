package vdm.ioapic;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.testkit.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads race on one IO-APIC's two level pins: a device thread asserts and deasserts the lines, a CPU EOIs every
 * interrupt it gets, and a configuration thread masks and unmasks (through the register window and the direct API).
 * Rounds of random work, started together, end at a {@link CyclicBarrier}, where the quiescent state must hold:
 * <ul>
 *   <li>no duplicate: a pin is never delivered while its previous delivery is unanswered (the sink counts
 *       outstanding deliveries per pin; the CPU retires one before it sends the EOI, as a local APIC does);</li>
 *   <li>remote IRR is set exactly when a delivery is outstanding;</li>
 *   <li>IRR equals the line each device last drove;</li>
 *   <li>none lost: an asserted, unmasked pin has been delivered (remote IRR set).</li>
 * </ul>
 * Seeded (pinned seeds by default, see {@link Seeds}); the seed and round are in every failure message.
 */
class IoApicConcurrencyStressTest {
    private static final int PINS = 2;
    private static final int THREADS = 3;
    private static final int ROUNDS = 60_000;
    private static final int OPS_PER_ROUND = 48;
    private static final int VECTOR_BASE = 0x50;
    private static final Seeds SEEDS = Seeds.of(IoApicConcurrencyStressTest.class, 11, 22, 33, 44);

    static LongStream seeds() {
        return SEEDS.cases();
    }

    private static long level(int pin, boolean masked) {
        return RedirectionEntry.fixed(VECTOR_BASE + pin, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0)
                | (masked ? RedirectionEntry.MASK : 0);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void concurrentAssertDeassertEoiAndUnmaskNeverLoseNorDuplicateALevelInterrupt(long seed) throws Exception {
        AtomicIntegerArray outstanding = new AtomicIntegerArray(PINS);
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong deliveries = new AtomicLong();
        IoApic[] holder = new IoApic[1];
        InterruptSink sink = (source, pin, address, data) -> {
            deliveries.incrementAndGet();
            // Remote IRR is checked before the delivery is counted: once counted, the CPU thread may retire it and
            // EOI at once, clearing remote IRR legitimately before this check would run.
            if (!RedirectionEntry.remoteIrr(holder[0].entry(pin))) {
                failure.compareAndSet(null, "pin " + pin + " delivered without remote IRR set");
            }
            if (outstanding.incrementAndGet(pin) != 1) {
                failure.compareAndSet(null, "pin " + pin + " delivered again before its EOI");
            }
            if (MsiMessage.vector(data) != VECTOR_BASE + pin) {
                failure.compareAndSet(null, "pin " + pin + " delivered vector " + MsiMessage.vector(data));
            }
        };
        IoApic apic = IoApic.builder().pins(PINS).sink(sink).build();
        holder[0] = apic;
        for (int pin = 0; pin < PINS; pin++) apic.setEntry(pin, level(pin, pin % 2 == 0));

        boolean[] line = new boolean[PINS]; // written by the pin's device thread, read at the barrier
        int[] round = {0};
        Runnable check = () -> {
            try {
                for (int pin = 0; pin < PINS; pin++) {
                    long e = apic.entry(pin);
                    boolean rirr = RedirectionEntry.remoteIrr(e);
                    int out = outstanding.get(pin);
                    String at = "round " + round[0] + ", pin " + pin + " (" + RedirectionEntry.toString(e) + ", line "
                            + line[pin] + ", outstanding " + out + "): ";
                    if (rirr != (out == 1)) throw new AssertionError(at + "remote IRR disagrees with deliveries");
                    if (apic.pending(pin) != line[pin]) throw new AssertionError(at + "IRR is not the line");
                    if (line[pin] && !RedirectionEntry.isMasked(e) && !rirr) {
                        throw new AssertionError(at + "asserted and unmasked, but never delivered: lost");
                    }
                }
                round[0]++;
            } catch (AssertionError e) {
                failure.compareAndSet(null, e.getMessage());
            }
        };
        CyclicBarrier barrier = new CyclicBarrier(THREADS, check);
        AtomicInteger ready = new AtomicInteger();
        SplittableRandom root = new SplittableRandom(seed);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> crashes = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < THREADS; t++) {
            int role = t;
            SplittableRandom rnd = root.split();
            Thread th = Thread.ofPlatform().name("ioapic-stress-" + t).unstarted(() -> {
                try {
                    for (int r = 0; r < ROUNDS && failure.get() == null; r++) {
                        // start together: a barrier wakes its parties one by one, too slowly for short rounds
                        ready.incrementAndGet();
                        while (ready.get() < THREADS * (r + 1)) Thread.yield();
                        for (int i = 0; i < OPS_PER_ROUND; i++) {
                            switch (role) {
                                case 0 -> { // the devices: drive the lines
                                    int pin = rnd.nextInt(PINS);
                                    boolean high = rnd.nextInt(3) < 2;
                                    line[pin] = high;
                                    apic.setPin(pin, high);
                                }
                                case 1 -> { // the CPU: retire one outstanding interrupt, then EOI its vector
                                    int pin = rnd.nextInt(PINS);
                                    if (outstanding.compareAndSet(pin, 1, 0)) apic.eoi(VECTOR_BASE + pin);
                                }
                                default -> { // the configuration: mask or unmask, by window or directly
                                    int pin = rnd.nextInt(PINS);
                                    boolean masked = rnd.nextInt(3) == 0;
                                    if (rnd.nextBoolean()) {
                                        apic.writeRegister(IoApic.REG_REDIRECTION_BASE + 2 * pin,
                                                (int) level(pin, masked));
                                    } else {
                                        apic.setEntry(pin, level(pin, masked));
                                    }
                                }
                            }
                        }
                        barrier.await(30, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    if (failure.get() == null) crashes.add(e);
                } catch (Throwable e) {
                    crashes.add(e);
                    barrier.reset();
                }
            });
            threads.add(th);
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) th.join(120_000);
        if (failure.get() != null) barrier.reset();
        String where = SEEDS.describe(seed);
        assertTrue(crashes.isEmpty(), where + ": a thread failed: " + crashes);
        assertNull(failure.get(), () -> where + ": " + failure.get());
        assertEquals(ROUNDS, round[0], where + ": every round checked");
        assertTrue(deliveries.get() > ROUNDS, where + ": only " + deliveries.get() + " deliveries");
    }
}
