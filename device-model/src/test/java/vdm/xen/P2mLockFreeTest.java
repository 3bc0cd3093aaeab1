package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.pci.Sbdf;

/** The p2m's ranges as published arrays: splits around holes, and translation that never sees a half-made change. */
class P2mLockFreeTest {
    private static final P2m.Owner BAR0 = new P2m.Owner(Sbdf.parse("0000:00:04.0"), 0);

    @Test
    void removingAnIdentityFrameSplitsTheRangeAroundIt() {
        P2m p2m = new P2m();
        assertEquals(0, p2m.map(0xfe000000L, 0x4000, 0xfe000000L, BAR0));
        assertEquals(0, p2m.removeIdentityFrame(0xfe002));
        assertEquals(List.of(new P2m.Range(0xfe000, 2, 0xfe000, BAR0), new P2m.Range(0xfe003, 1, 0xfe003, BAR0)), p2m.ranges());
        assertEquals(-Errno.ENOENT, p2m.removeIdentityFrame(0xfe002));
        assertNull(p2m.lookup(0xfe002));
        assertEquals(0, p2m.map(0x1000_0000L, 0x1000, 0x2000_0000L, BAR0));
        assertEquals(-Errno.EINVAL, p2m.removeIdentityFrame(0x10000), "not mapped to itself");
        assertEquals(-Errno.ENOENT, p2m.unmap(0xfe000000L, 0x4000), "the whole BAR is no longer one range");
        assertEquals(0, p2m.unmapFrames(0xfe000, 2));
        assertEquals(0, p2m.unmapFrames(0xfe003, 1));
    }

    @Test
    void aReaderTranslatesAStableRangeWhileAnotherIsMappedSplitAndUnmapped() throws Exception {
        P2m p2m = new P2m();
        assertEquals(0, p2m.map(0x8000_0000L, 0x10000, 0x9000_0000L, BAR0));
        AtomicReference<String> wrong = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            for (int i = 0; i < 2_000_000 && wrong.get() == null; i++) {
                long off = (i * 4096L) & 0xffff;
                long m = p2m.translate(0x8000_0000L + off + 8);
                if (m != 0x9000_0000L + off + 8) wrong.set(String.format("0x%x at offset 0x%x", m, off));
            }
        });
        reader.start();
        for (int i = 0; i < 20_000 && reader.isAlive(); i++) {
            long g = 0xfe000000L + (i % 8) * 0x10000L;
            assertEquals(0, p2m.map(g, 0x4000, g, BAR0));
            assertEquals(0, p2m.removeIdentityFrame((g >>> 12) + 1));
            assertEquals(0, p2m.unmapFrames(g >>> 12, 1));
            assertEquals(0, p2m.unmapFrames((g >>> 12) + 2, 2));
        }
        reader.join();
        assertNull(wrong.get());
    }
}
