package vdm.bench.pci;

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
import vdm.pci.engine.Engine;
import vdm.pci.layout.Layout;

/**
 * Constant-time dispatch: the cost of reaching the 1st and the 67th of 67 dword registers (0x40, 0x44, ...,
 * 0x148) through vdm's compiled engine and through a Xen-style sorted list walked per access.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar DispatchDepthBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class DispatchDepthBenchmark {
    static final int REGISTERS = 67;

    @Param({"1", "67"})
    public int register;

    private ConfigSpace compiled;
    private XenStyleRegisterList list;
    private int offset;
    private int toggle;

    @Setup(Level.Trial)
    public void setUp() {
        // A PCIe function whose space past the header is scratch dwords: 67 writable registers from 0x40 on.
        Layout layout = Layout.type0("dispatch-depth").mode(vdm.pci.Mode.QEMU_COMPAT).ids(0x1b36, 0x0001).express(true).build();
        compiled = Engine.COMPILED.create(layout);
        list = new XenStyleRegisterList();
        for (int i = 0; i < REGISTERS; i++) list.add(0x40 + 4 * i, 4, -1);
        offset = 0x40 + 4 * (register - 1);
    }

    @Benchmark
    public int compiledWrite() {
        toggle ^= 0x5a5a5a5a;
        return compiled.write(offset, 4, toggle);
    }

    @Benchmark
    public int compiledRead() {
        return compiled.read(offset, 4);
    }

    @Benchmark
    public int xenListWrite() {
        toggle ^= 0x5a5a5a5a;
        return list.write(offset, 4, toggle);
    }

    @Benchmark
    public int xenListRead() {
        return list.read(offset, 4);
    }
}
