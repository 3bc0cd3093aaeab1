package vdm.ioapic;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An {@link InterruptSink} for tests and tools: counts every delivery, per GSI and in total, and records the first
 * {@code capacity} of them in order (source, pin, address, data). Lock-free and allocation-free per delivery, so it
 * can sit behind concurrent tests. Read the log from the delivering thread or after joining the delivering threads.
 */
public final class RecordingSink implements InterruptSink {
    private final int capacity;
    private final IoApic[] sources;
    private final int[] pins;
    private final long[] addresses;
    private final int[] datas;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLongArray perGsi = new AtomicLongArray(GsiSpace.MAX_GSIS);

    /** Records up to 4096 deliveries (and counts all). */
    public RecordingSink() {
        this(4096);
    }

    public RecordingSink(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity " + capacity + " is negative");
        this.capacity = capacity;
        this.sources = new IoApic[capacity];
        this.pins = new int[capacity];
        this.addresses = new long[capacity];
        this.datas = new int[capacity];
    }

    @Override
    public void deliver(IoApic source, int pin, long address, int data) {
        int gsi = source.gsiBase() + pin;
        if (gsi < GsiSpace.MAX_GSIS) perGsi.incrementAndGet(gsi);
        total.incrementAndGet();
        int i = next.getAndIncrement();
        if (i < capacity) {
            sources[i] = source;
            pins[i] = pin;
            addresses[i] = address;
            datas[i] = data;
        }
    }

    /** Deliveries so far. */
    public long count() {
        return total.get();
    }

    /** Deliveries of {@code gsi} (source's GSI base + pin) so far. */
    public long count(int gsi) {
        return gsi >= 0 && gsi < GsiSpace.MAX_GSIS ? perGsi.get(gsi) : 0;
    }

    /** How many deliveries are in the log (at most the capacity). */
    public int size() {
        return Math.min(next.get(), capacity);
    }

    public IoApic source(int i) {
        return sources[check(i)];
    }

    public int pin(int i) {
        return pins[check(i)];
    }

    public int gsi(int i) {
        return sources[check(i)].gsiBase() + pins[i];
    }

    public long address(int i) {
        return addresses[check(i)];
    }

    public int data(int i) {
        return datas[check(i)];
    }

    public int vector(int i) {
        return MsiMessage.vector(data(i));
    }

    /** The log, one readable line per delivery (allocates; for assertion messages). */
    public List<String> log() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            out.add(String.format("GSI %d (pin %d) addr=0x%x data=0x%x vec=0x%02x %s %s", gsi(i), pins[i],
                    addresses[i], datas[i], vector(i), MsiMessage.deliveryMode(datas[i]),
                    MsiMessage.trigger(datas[i])));
        }
        return out;
    }

    /** Forgets everything; call only while nothing delivers. */
    public void clear() {
        int n = size();
        java.util.Arrays.fill(sources, 0, n, null);
        for (int g = 0; g < GsiSpace.MAX_GSIS; g++) perGsi.set(g, 0);
        total.set(0);
        next.set(0);
    }

    private int check(int i) {
        if (i < 0 || i >= size()) throw new IndexOutOfBoundsException("delivery " + i + " of " + size() + " recorded");
        return i;
    }
}
