package vdm.bench.pci;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.Engine;

/**
 * Config-space access through the three engines side by side. State is per thread: with {@code -t 2} each thread
 * drives its own device of the same layout (the compiled engine shares one generated class between them).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ConfigAccessBenchmark -prof gc [-t 2]</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class ConfigAccessBenchmark {
    @Param({"REFERENCE", "TABLE", "COMPILED"})
    public Engine engine;

    @Param({"e1000e"})
    public String device;

    private ConfigSpace cs;
    private int toggle;
    private static final int OPS = 4096;
    private int[] offsets, sizes, values;
    private boolean[] reads;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        cs = engine.create(DeviceCatalog.layout(device));
        cs.write(0x10, 4, 0xfebc0000);
        SplittableRandom rnd = new SplittableRandom(42);
        offsets = new int[OPS];
        sizes = new int[OPS];
        values = new int[OPS];
        reads = new boolean[OPS];
        for (int i = 0; i < OPS; i++) {
            sizes[i] = 1 << rnd.nextInt(3);
            offsets[i] = rnd.nextInt(0x100) & ~(sizes[i] - 1);
            values[i] = rnd.nextInt();
            reads[i] = rnd.nextBoolean();
            // keep decode bits off so random BAR values never mean anything to a caller
            if (offsets[i] <= 4 && offsets[i] + sizes[i] > 4) values[i] &= ~(3 << ((4 - offsets[i]) * 8));
        }
    }

    /** BAR0 of the device. */
    @Benchmark
    public int dwordRead() {
        return cs.read(0x10, 4);
    }

    /** A BAR write that changes the register every time (the compare-and-set path). */
    @Benchmark
    public int dwordWrite() {
        toggle ^= 0x00100000;
        return cs.write(0x10, 4, 0xfeb00000 | toggle);
    }

    /** A byte write to STATUS's error bits (write-1-to-clear), none set: the w1c path that finds nothing to clear. */
    @Benchmark
    public int byteWriteW1c() {
        return cs.write(0x07, 1, 0xf9);
    }

    /** A write to the read-only IDs. */
    @Benchmark
    public int writeReadOnly() {
        return cs.write(0x00, 4, 0x12345678);
    }

    /** The same value again into a writable register (Interrupt Line). */
    @Benchmark
    public int writeSameValue() {
        return cs.write(0x3c, 1, 11);
    }

    /** BAR sizing as an OS does it: write ones, read the size mask, restore. */
    @Benchmark
    public int barSizing() {
        int saved = cs.read(0x10, 4);
        cs.write(0x10, 4, 0xffffffff);
        int mask = cs.read(0x10, 4);
        cs.write(0x10, 4, saved);
        return mask;
    }

    /**
     * The reads of {@link #randomMixed} alone (its offsets and sizes, every one read): with {@link #randomWrites}, what
     * each half of the mixed access costs without the benchmark's unpredictable choice between them.
     */
    @Benchmark
    public int randomReads() {
        int i = next;
        next = (i + 1) & (OPS - 1);
        return cs.read(offsets[i], sizes[i]);
    }

    /** The accesses of {@link #randomMixed}, every one a write of its value. */
    @Benchmark
    public int randomWrites() {
        int i = next;
        next = (i + 1) & (OPS - 1);
        return cs.write(offsets[i], sizes[i], values[i]);
    }

    /** Random offsets 0..0xff, sizes 1/2/4, half reads, half writes (precomputed). */
    @Benchmark
    public int randomMixed() {
        int i = next;
        next = (i + 1) & (OPS - 1);
        return reads[i] ? cs.read(offsets[i], sizes[i]) : cs.write(offsets[i], sizes[i], values[i]);
    }
}
