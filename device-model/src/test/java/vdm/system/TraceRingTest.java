package vdm.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TraceRingTest {
    @Test
    void aTraceKeepsEveryEventUntilBounded() {
        Trace t = new Trace();
        for (int i = 1; i <= 5; i++) t.log(Trace.Source.XEN, "line " + i);
        assertEquals(5, t.events().size());
        assertEquals(Integer.MAX_VALUE, t.capacity());
    }

    @Test
    void aBoundedTraceKeepsTheNewestEventsAndStillCountsEveryOne() {
        Trace t = new Trace();
        for (int i = 1; i <= 5; i++) t.log(Trace.Source.XEN, "line " + i);
        t.keepNewest(3);
        assertEquals(List.of("line 3", "line 4", "line 5"), t.events().stream().map(Trace.Event::message).toList());
        t.log(Trace.Source.KERNEL, "line 6");
        List<Trace.Event> kept = t.events();
        assertEquals(List.of(4L, 5L, 6L), kept.stream().map(Trace.Event::seq).toList());
        assertEquals(false, t.contains(Trace.Source.XEN, "line 3"));
    }

    @Test
    void aTraceCannotBeBoundedBelowOneEvent() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Trace().keepNewest(0));
        assertEquals("trace capacity 0 must be at least 1", e.getMessage());
    }
}
