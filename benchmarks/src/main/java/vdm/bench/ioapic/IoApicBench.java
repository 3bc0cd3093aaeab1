package vdm.bench.ioapic;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;

import java.util.concurrent.TimeUnit;

/**
 * One thread on one 24-pin IO-APIC: the cost of an entry write, of an edge assert up to its delivery, and of a whole
 * level interrupt (assert, delivery, EOI, deassert). Each benchmark checks at the end of every iteration that it
 * delivered what it claims, so a broken path cannot look fast.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class IoApicBench {
    static final int EDGE_PIN = 3;
    static final int LEVEL_PIN = 9;
    static final int ENTRY_PIN = 17;
    static final int LEVEL_VECTOR = 0x39;

    /** Counts deliveries in a plain field: the benchmark thread is the only one delivering. */
    static final class CountingSink implements InterruptSink {
        long deliveries;
        int lastData;

        @Override
        public void deliver(IoApic source, int pin, long address, int data) {
            deliveries++;
            lastData = data;
        }
    }

    private CountingSink sink;
    private IoApic apic;
    private long calls;
    private int entryValue;

    @Setup(Level.Iteration)
    public void setUp() {
        sink = new CountingSink();
        apic = IoApic.create(sink);
        apic.setEntry(EDGE_PIN, RedirectionEntry.fixed(0x33, TriggerMode.EDGE, Polarity.ACTIVE_HIGH, 1));
        apic.setEntry(LEVEL_PIN, RedirectionEntry.fixed(LEVEL_VECTOR, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 1));
        apic.write(IoApic.IOREGSEL, 4, IoApic.REG_REDIRECTION_BASE + 2 * ENTRY_PIN);
        entryValue = (int) (RedirectionEntry.fixed(0x40, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0)
                | RedirectionEntry.MASK);
        calls = 0;
    }

    /** The guest's IOWIN write of an entry's low dword, the selector already set; the vector alternates, so every
     *  write changes the entry (one compare-and-set). */
    @Benchmark
    public void entryWrite() {
        entryValue ^= 1;
        apic.write(IoApic.IOWIN, 4, entryValue);
    }

    /** An edge on an unmasked pin, through to the sink. */
    @Benchmark
    public void edgeAssertToDelivery() {
        calls++;
        apic.assertPin(EDGE_PIN);
    }

    /**
     * The order: assert, EOI, deassert. After the first round the assert finds remote IRR still set and only
     * latches; the EOI then finds the line asserted and delivers again. One delivery and three compare-and-sets per
     * operation.
     */
    @Benchmark
    public void levelAssertEoiDeassert() {
        calls++;
        apic.assertPin(LEVEL_PIN);
        apic.eoi(LEVEL_VECTOR);
        apic.deassertPin(LEVEL_PIN);
    }

    /** A driver's order: assert (delivered), the handler silences the device (deassert), then EOI. Also one delivery
     *  and three compare-and-sets. */
    @Benchmark
    public void levelAssertDeassertEoi() {
        calls++;
        apic.assertPin(LEVEL_PIN);
        apic.deassertPin(LEVEL_PIN);
        apic.eoi(LEVEL_VECTOR);
    }

    @TearDown(Level.Iteration)
    public void check() {
        // assert-EOI-deassert delivers twice in its first call (at the assert, then again at the EOI): calls + 1
        if (calls > 0 && sink.deliveries != calls && sink.deliveries != calls + 1) {
            throw new IllegalStateException("delivered " + sink.deliveries + " interrupts for " + calls + " calls");
        }
        if (calls == 0 && (apic.entry(ENTRY_PIN) & 0xff) >>> 1 != 0x20) {
            throw new IllegalStateException("entry writes did not land: " + Long.toHexString(apic.entry(ENTRY_PIN)));
        }
    }
}
