package vdm.qmp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Preset;
import vdm.toolstack.AttachResult;

/**
 * The served model's memory stays flat however long a client cycles: the trace and every layer's log are rings.
 * Measured as live heap after a full GC (no timing): before the trace was bounded, a cycle kept about 3.4 kB.
 */
class ServedTraceBoundTest {
    private static final int CYCLES = 10_000;

    @Test
    void tenThousandAttachDetachCyclesLeaveTheLiveHeapFlat() {
        Model model = new Model(null, Preset.UPSTREAM);
        Vdm vdm = model.vdm();
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC));
        int domid = vdm.libxl().domainCreate(1);
        // Fill every ring first: what a ring holds once full is its bound, not growth.
        cycles(vdm, domid, 2_000);
        long before = liveHeap();
        cycles(vdm, domid, CYCLES);
        long after = liveHeap();
        double perCycle = (after - before) / (double) CYCLES;
        System.out.printf("served model: %.1f B of live heap per attach+detach+refused attach cycle over %d cycles%n",
                perCycle, CYCLES);
        // Unbounded, 10,000 cycles kept about 34 MB; a generous margin for GC noise, still far below that.
        assertTrue(after - before < 4L * 1024 * 1024,
                "live heap grew " + (after - before) + " B over " + CYCLES + " cycles (" + perCycle + " B a cycle)");
        assertTrue(vdm.trace().events().size() <= Model.SERVED_TRACE_EVENTS, "the trace keeps at most its ring's size");
    }

    private static void cycles(Vdm vdm, int domid, int n) {
        for (int i = 0; i < n; i++) {
            AttachResult a = vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5);
            assertTrue(a.ok(), a::toString);
            AttachResult d = vdm.libxl().pciDetach(domid, DefaultHost.NIC);
            assertTrue(d.ok(), d::toString);
            // a refused attach (the GPU is not assignable) logs its error lines too
            assertTrue(!vdm.libxl().pciAttach(domid, DefaultHost.GPU, 6).ok());
        }
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
