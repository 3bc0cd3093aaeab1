package vdm.ioapic;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: every concurrent history of asserts, deasserts, EOIs, masks, unmasks and reads on two level pins must be
 * explainable by some sequential order of the same operations (linearizability), deliveries included. Each mutating
 * operation returns the deliveries it caused (pin 0 counts 1, pin 1 counts 100), so a lost or duplicated interrupt
 * shows up as a result no sequential order gives. The model checker explores thread interleavings systematically;
 * the stress run uses real threads.
 */
@Param(name = "pin", gen = IntGen.class, conf = "0:1")
public class IoApicLincheckTest {
    private static final int VECTOR = 0x60;
    /** Deliveries seen by the calling thread during its current operation (the sink runs on that thread). */
    private static final ThreadLocal<int[]> CAUSED = ThreadLocal.withInitial(() -> new int[1]);

    private final IoApic apic = IoApic.builder().pins(2)
            .sink((source, pin, address, data) -> CAUSED.get()[0] += pin == 0 ? 1 : 100)
            .build();

    public IoApicLincheckTest() {
        apic.setEntry(0, entry(0, false));
        apic.setEntry(1, entry(1, true));
    }

    private static long entry(int pin, boolean masked) {
        return RedirectionEntry.fixed(VECTOR + pin, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0)
                | (masked ? RedirectionEntry.MASK : 0);
    }

    private static int begin() {
        int[] c = CAUSED.get();
        c[0] = 0;
        return 0;
    }

    private static int caused() {
        return CAUSED.get()[0];
    }

    @Operation
    public int assertPin(@Param(name = "pin") int pin) {
        begin();
        apic.assertPin(pin);
        return caused();
    }

    @Operation
    public int deassertPin(@Param(name = "pin") int pin) {
        begin();
        apic.deassertPin(pin);
        return caused();
    }

    @Operation
    public int eoi(@Param(name = "pin") int pin) {
        begin();
        int cleared = apic.eoi(VECTOR + pin);
        return cleared * 10_000 + caused();
    }

    @Operation
    public int mask(@Param(name = "pin") int pin) {
        begin();
        apic.writeRegister(IoApic.REG_REDIRECTION_BASE + 2 * pin, (int) entry(pin, true));
        return caused();
    }

    @Operation
    public int unmask(@Param(name = "pin") int pin) {
        begin();
        apic.setEntry(pin, entry(pin, false));
        return caused();
    }

    @Operation
    public long entry(@Param(name = "pin") int pin) {
        return apic.entry(pin);
    }

    @Operation
    public boolean pending(@Param(name = "pin") int pin) {
        return apic.pending(pin);
    }

    @Test
    void modelCheckingFindsNoNonLinearizableInterleaving() {
        new ModelCheckingOptions().iterations(30).invocationsPerIteration(500).threads(3).actorsPerThread(3)
                .check(IoApicLincheckTest.class);
    }

    @Test
    void stressFindsNoNonLinearizableHistory() {
        new StressOptions().iterations(10).invocationsPerIteration(500).threads(2).actorsPerThread(4)
                .check(IoApicLincheckTest.class);
    }
}
