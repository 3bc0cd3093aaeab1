package vdm.pci.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;

/**
 * Writers of different bits of one dword never lose each other's updates: the compare-and-set loop retries against
 * the current value. Each thread owns one byte lane (RW) or some write-1-to-clear bits and ends on a known value.
 */
class ConcurrentWriteTest {
    private static final int ROUNDS = 200_000;

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"TABLE", "COMPILED"})
    void fourWritersOfOneScratchDwordEachKeepTheirLastByte(Engine engine) throws Exception {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000", Mode.QEMU_COMPAT));
        int offset = 0x40;
        List<Thread> threads = new ArrayList<>();
        CyclicBarrier start = new CyclicBarrier(4);
        for (int lane = 0; lane < 4; lane++) {
            int l = lane;
            threads.add(Thread.ofPlatform().start(() -> {
                await(start);
                for (int i = 0; i < ROUNDS; i++) cs.write(offset + l, 1, (i + l) & 0xff);
                cs.write(offset + l, 1, 0x10 * (l + 1)); // each lane's final value
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(0x40302010, cs.read(offset, 4));
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"TABLE", "COMPILED"})
    void commandWritersAndStatusClearersOfOneDwordNeverLoseAnUpdate(Engine engine) throws Exception {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        CyclicBarrier start = new CyclicBarrier(4);
        // The device keeps raising STATUS error bits 8 (byte 0x06) and 13 (byte 0x07) while a clearer per bit clears
        // it; COMMAND's low byte and high byte have their own writers. Each byte has one "device" thread, so a
        // device-side read-then-set never clobbers another thread's byte.
        Thread low = Thread.ofPlatform().start(() -> {
            await(start);
            for (int i = 0; i < ROUNDS; i++) cs.write(0x04, 1, (i & 1) == 0 ? 0x07 : 0x00);
            cs.write(0x04, 1, 0x06);
        });
        Thread high = Thread.ofPlatform().start(() -> {
            await(start);
            for (int i = 0; i < ROUNDS; i++) cs.write(0x05, 1, (i & 1) == 0 ? 0x05 : 0x00);
            cs.write(0x05, 1, 0x04);
        });
        Thread clear8 = Thread.ofPlatform().start(() -> {
            await(start);
            for (int i = 0; i < ROUNDS; i++) {
                cs.poke(0x06, 1, cs.read(0x06, 1) | 0x01);
                cs.write(0x06, 1, 0x01);
            }
        });
        Thread clear13 = Thread.ofPlatform().start(() -> {
            await(start);
            for (int i = 0; i < ROUNDS; i++) {
                cs.poke(0x07, 1, cs.read(0x07, 1) | 0x20);
                cs.write(0x07, 1, 0x20);
            }
        });
        for (Thread t : List.of(low, high, clear8, clear13)) t.join();
        assertEquals(0x0406, cs.read(0x04, 2), "COMMAND = the last write of each byte's writer");
        assertEquals(0, cs.read(0x06, 2) & 0x2100, "both error bits cleared by their last clears");
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
