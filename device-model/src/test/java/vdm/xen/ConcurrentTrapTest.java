package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;

/**
 * Several vCPUs of dom0 trap config accesses at once: readers never block or see torn state, and a write that maps
 * or unmaps BARs is applied exactly once, so the p2m always agrees with what the device decodes.
 */
class ConcurrentTrapTest {
    private static final int ROUNDS = 20_000;

    @Test
    void vcpusTogglingDecodingConcurrentlyLeaveTheP2mConsistentAndNeverMapTwice() throws Exception {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000").add("0000:00:05.0", "gpu");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 3);
        Sbdf nic = Sbdf.parse("00:03.0");
        int base = nic.devfn() << 12;
        xen.ecamWrite(dom0.vcpu(0), base | 0x10, 4, 0xfebc0000);
        xen.ecamWrite(dom0.vcpu(0), base | 0x30, 4, 0xfeb80001);
        CyclicBarrier start = new CyclicBarrier(3);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Vcpu v = dom0.vcpu(t);
            int salt = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) xen.ecamWrite(v, base | 0x04, 2, ((i + salt) & 1) == 0 ? 0x0006 : 0x0004);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        Vcpu reader = dom0.vcpu(2);
        threads.add(Thread.ofPlatform().start(() -> {
            try {
                start.await();
                for (int i = 0; i < ROUNDS * 2; i++) {
                    int id = xen.ecamRead(reader, base, 4);
                    int bar = xen.ecamRead(reader, base | 0x10, 4);
                    if (id != 0x100e8086 || bar != 0xfebc0000) throw new AssertionError(String.format("read %08x %08x", id, bar));
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }));
        for (Thread t : threads) t.join();
        assertNull(failure.get(), () -> "a thread failed: " + failure.get());
        boolean decoding = (bus.space("0000:00:03.0").read(0x04, 2) & 0x2) != 0;
        Header h = dom0.header(nic);
        assertEquals(decoding, h.bar(0).enabled());
        assertEquals(decoding, h.rom().enabled());
        assertEquals(decoding ? 2 : 0, dom0.p2m().ranges().size());
        assertEquals(decoding ? 0xfebc0000L : -1L, dom0.p2m().translate(0xfebc0000L));
        assertFalse(xen.log().contains("failed to"), xen.log()::dmesg);
        assertNull(P2mInvariantPropertyTest.check(xen, bus));
    }
}
