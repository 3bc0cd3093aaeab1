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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput on one thread and on two of the level cycle (assert, delivery, deassert, EOI: three compare-and-sets)
 * and of an edge assert up to its delivery (no compare-and-set). Two threads on two IO-APICs share nothing; two
 * threads on one IO-APIC share its entry array, on one cache line (pins 0 and 1, or 12 and 13: adjacent 8-byte words,
 * on one 64-byte line seven times in eight) or on two (pins 0 and 8: 64 bytes apart), and an EOI reads every entry
 * of its IO-APIC. The CAS
 * baseline is the control: each thread compare-and-sets its own word, nothing shared, which shows how far this
 * machine lets atomic read-modify-writes scale at all. Compare each two-thread figure with its one-thread one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class IoApicScalingBench {
    private static final int PADDING = 16; // longs: 128 bytes between two threads' counters
    /** Pins 0..11 of each IO-APIC are level, 12..23 edge; a driver's edge pin is its level pin + 12. */
    private static final int EDGE_OFFSET = 12;

    /** Two IO-APICs (GSI 0..23 and 24..47) and a sink counting per GSI on separate cache lines. */
    @State(Scope.Benchmark)
    public static class Machine {
        /** Counter of GSI g at {@code (g + 1) * PADDING}: none on the array header's line, whose length every
         *  thread's bounds check reads. */
        final long[] deliveries = new long[(48 + 2) * PADDING];
        GsiSpace space;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() {
            InterruptSink sink = (source, pin, address, data) ->
                    deliveries[(source.gsiBase() + pin + 1) * PADDING]++;
            IoApic first = IoApic.builder().id(0).gsiBase(0).sink(sink).build();
            IoApic second = IoApic.builder().id(1).gsiBase(24).address(0xFEC0_1000L).sink(sink).build();
            space = GsiSpace.of(first, second);
            for (int gsi = 0; gsi < 48; gsi++) {
                TriggerMode trigger = gsi % 24 < EDGE_OFFSET ? TriggerMode.LEVEL : TriggerMode.EDGE;
                space.ioApic(gsi).setEntry(space.pin(gsi),
                        RedirectionEntry.fixed(vector(gsi), trigger, Polarity.ACTIVE_LOW, 0));
            }
        }

        static int vector(int gsi) {
            return 0x30 + gsi;
        }
    }

    /** Which GSI this thread drives, by the order threads arrive: the first gets {@code gsis[0]}. */
    @State(Scope.Thread)
    public abstract static class Driver {
        int gsi;
        IoApic apic;
        int pin;
        int vector;
        long calls;
        long edges;
        Machine machine;

        abstract int[] gsis();

        @Setup(Level.Trial)
        public void setUp(Machine m) {
            machine = m;
            gsi = gsis()[m.threads.getAndIncrement() % 2];
            apic = m.space.ioApic(gsi);
            pin = m.space.pin(gsi);
            vector = Machine.vector(gsi);
        }

        @TearDown(Level.Trial)
        public void check() {
            long delivered = machine.deliveries[(gsi + 1) * PADDING];
            long edgeDelivered = machine.deliveries[(gsi + EDGE_OFFSET + 1) * PADDING];
            if (delivered != calls || edgeDelivered != edges) {
                throw new IllegalStateException("GSI " + gsi + ": " + delivered + " deliveries for " + calls
                        + " cycles, " + edgeDelivered + " for " + edges + " edges");
            }
        }

        final void edge() {
            edges++;
            apic.assertPin(pin + EDGE_OFFSET);
        }

        final void cycle() {
            calls++;
            apic.assertPin(pin);
            apic.deassertPin(pin);
            apic.eoi(vector);
        }
    }

    public static class OnTwoIoApics extends Driver {
        int[] gsis() {
            return new int[] {0, 24};
        }
    }

    public static class OnOneLine extends Driver {
        int[] gsis() {
            return new int[] {0, 1};
        }
    }

    public static class OnTwoLines extends Driver {
        int[] gsis() {
            return new int[] {0, 8};
        }
    }

    /** A thread's own word, for the CAS baseline (JMH pads thread states apart). */
    @State(Scope.Thread)
    public static class OwnWord {
        private static final java.lang.invoke.VarHandle VALUE;

        static {
            try {
                VALUE = java.lang.invoke.MethodHandles.lookup().findVarHandle(OwnWord.class, "value", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long value;

        boolean increment() {
            long v = (long) VALUE.getVolatile(this);
            return VALUE.compareAndSet(this, v, v + 1);
        }
    }

    @Benchmark
    @Threads(1)
    public boolean casBaselineOneThread(OwnWord w) {
        return w.increment();
    }

    @Benchmark
    @Threads(2)
    public boolean casBaselineTwoThreads(OwnWord w) {
        return w.increment();
    }

    @Benchmark
    @Threads(1)
    public void edgeOneThread(OnTwoIoApics d) {
        d.edge();
    }

    @Benchmark
    @Threads(2)
    public void edgeTwoThreadsTwoIoApics(OnTwoIoApics d) {
        d.edge();
    }

    @Benchmark
    @Threads(2)
    public void edgeTwoThreadsOneIoApicSameCacheLine(OnOneLine d) {
        d.edge();
    }

    @Benchmark
    @Threads(1)
    public void levelOneThread(OnTwoIoApics d) {
        d.cycle();
    }

    @Benchmark
    @Threads(2)
    public void levelTwoThreadsTwoIoApics(OnTwoIoApics d) {
        d.cycle();
    }

    @Benchmark
    @Threads(2)
    public void levelTwoThreadsOneIoApicSameCacheLine(OnOneLine d) {
        d.cycle();
    }

    @Benchmark
    @Threads(2)
    public void levelTwoThreadsOneIoApicSeparateCacheLines(OnTwoLines d) {
        d.cycle();
    }
}
