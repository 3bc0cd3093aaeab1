package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The MSI-X table path through host memory allocates nothing per access: a decode, a table read and write, an unmask
 * that sends a pending vector, and a fire. Measured with the JVM's per-thread allocation counter over 100,000 rounds
 * after a warm-up; one allocation per round would be at least 1.6 MB.
 */
class MmioAllocationTest {
    private static final long ROUNDS = 100_000;

    @Test
    void theTablePathAllocatesNothingPerAccess() {
        Host host = DefaultHost.build();
        long[] count = new long[1];
        host.msiTarget((source, address, data) -> count[0]++);
        PhysicalFunction nvme = host.require(DefaultHost.NVME);
        PhysicalFunction port = host.bridge(DefaultHost.ROOT_PORT).orElseThrow().function();
        port.write(0x04, 2, port.command() | 0x6);
        nvme.write(0x10, 4, 0xfe80_0000);
        nvme.write(0x14, 4, 0);
        nvme.write(0x04, 2, 0x6);
        nvme.write(0x42, 2, 0x8000);
        long entry = 0xfe80_2000L + 16 * 9;
        host.mmioWrite(entry, 8, 0xfee0_0000L);
        host.mmioWrite(entry + 8, 4, 0x51);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        rounds(host, nvme, entry, 20_000);
        long before = threads.getThreadAllocatedBytes(id);
        long sum = rounds(host, nvme, entry, ROUNDS);
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertEquals(0x51L * ROUNDS, sum);
        assertEquals(2 * (20_000 + ROUNDS), count[0]);
        assertTrue(allocated < 1024, allocated + " bytes allocated over " + ROUNDS + " rounds");
    }

    private static long rounds(Host host, PhysicalFunction nvme, long entry, long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) {
            host.mmioWrite(entry + 12, 4, 1);       // mask
            nvme.fireMsix(9);                       // pending
            host.mmioWrite(entry + 12, 4, 0);       // unmask: sent
            nvme.fireMsix(9);                       // sent
            sum += host.mmioRead(entry + 8, 4);
        }
        return sum;
    }
}
