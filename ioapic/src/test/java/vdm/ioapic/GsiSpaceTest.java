package vdm.ioapic;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GsiSpaceTest {
    private final RecordingSink sink = new RecordingSink();
    private final IoApic first = IoApic.builder().id(1).gsiBase(0).sink(sink).build();
    private final IoApic second = IoApic.builder().id(2).gsiBase(24).pins(32).address(0xFEC0_1000L).sink(sink).build();
    private final IoApic third = IoApic.builder().id(3).gsiBase(64).pins(8).address(0xFEC0_2000L).sink(sink).build();

    @Test
    void eachGsiIsBasePlusPinOfTheIoApicThatServesIt() {
        GsiSpace space = GsiSpace.of(third, first, second);
        assertEquals(List.of(first, second, third), space.ioApics());
        assertEquals(72, space.gsiLimit());
        for (int gsi = 0; gsi < 72; gsi++) {
            IoApic expected = gsi < 24 ? first : gsi < 56 ? second : gsi < 64 ? null : third;
            assertEquals(expected != null, space.serves(gsi), "GSI " + gsi);
            if (expected != null) {
                assertSame(expected, space.ioApic(gsi));
                assertEquals(gsi - expected.gsiBase(), space.pin(gsi));
            }
        }
    }

    @Test
    void assertingAGsiDeliversFromTheIoApicThatServesIt() {
        GsiSpace space = GsiSpace.of(first, second, third);
        second.setEntry(6, RedirectionEntry.fixed(0x56, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        space.assertGsi(30);
        assertEquals(1, sink.count(30));
        assertSame(second, sink.source(0));
        assertEquals(6, sink.pin(0));
        space.deassertGsi(30);
        assertFalse(second.pending(6));
        assertEquals(1, space.eoi(0x56));
        space.setGsi(30, true);
        assertEquals(2, sink.count(30));
        assertTrue(RedirectionEntry.remoteIrr(space.entry(30)));
    }

    @Test
    void anUnknownGsiIsATypedErrorNamingIt() {
        GsiSpace space = GsiSpace.of(first, second, third);
        for (int gsi : new int[] {-1, 56, 63, 72, Integer.MAX_VALUE}) {
            UnknownGsiException e = assertThrows(UnknownGsiException.class, () -> space.assertGsi(gsi));
            assertEquals(gsi, e.gsi());
            assertTrue(e.getMessage().contains("GSI " + gsi) && e.getMessage().contains("0..23, 24..55, 64..71"),
                    e.getMessage());
            assertThrows(UnknownGsiException.class, () -> space.deassertGsi(gsi));
            assertThrows(UnknownGsiException.class, () -> space.ioApic(gsi));
            assertThrows(UnknownGsiException.class, () -> space.pin(gsi));
        }
    }

    @Test
    void overlappingIoApicsAreRejectedNamingBoth() {
        IoApic overlapping = IoApic.builder().id(4).gsiBase(40).pins(24).address(0xFEC0_3000L).build();
        GsiOverlapException e = assertThrows(GsiOverlapException.class,
                () -> GsiSpace.of(first, overlapping, second));
        assertSame(second, e.first());
        assertSame(overlapping, e.second());
        assertTrue(e.getMessage().contains("IO-APIC 2") && e.getMessage().contains("IO-APIC 4")
                && e.getMessage().contains("GSI 40"), e.getMessage());
    }

    @Test
    void anIoApicPastTheGsiLimitIsRejected() {
        IoApic far = IoApic.builder().id(5).gsiBase(GsiSpace.MAX_GSIS - 10).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GsiSpace.of(first, far));
        assertTrue(e.getMessage().contains("IO-APIC 5") && e.getMessage().contains("out of range"), e.getMessage());
        IoApic last = IoApic.builder().id(5).gsiBase(GsiSpace.MAX_GSIS - 24).build();
        assertEquals(GsiSpace.MAX_GSIS, GsiSpace.of(first, last).gsiLimit());
    }

    @Test
    void duplicateIoApicsAndIdsAreRejected() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> GsiSpace.of(first, first));
        assertTrue(twice.getMessage().contains("IO-APIC 1"), twice.getMessage());
        IoApic sameId = IoApic.builder().id(1).gsiBase(100).build();
        IllegalArgumentException id = assertThrows(IllegalArgumentException.class,
                () -> GsiSpace.of(first, sameId));
        assertTrue(id.getMessage().contains("same IO-APIC ID 1"), id.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GsiSpace.builder().build());
    }

    @Test
    void isaIrq0ArrivesOnGsi2ByDefaultAndOtherIsaIrqsOnTheirOwnNumber() {
        GsiSpace space = GsiSpace.of(first);
        assertEquals(2, space.gsiOfIsaIrq(0));
        for (int irq = 1; irq < 16; irq++) assertEquals(irq, space.gsiOfIsaIrq(irq));
        InterruptSourceOverride o = space.override(0).orElseThrow();
        assertEquals(TriggerMode.EDGE, o.trigger());
        assertEquals(Polarity.ACTIVE_HIGH, o.polarity());
        assertEquals(List.of(InterruptSourceOverride.IRQ0_TO_GSI2), space.overrides());

        first.setEntry(2, RedirectionEntry.fixed(0x30, TriggerMode.EDGE, Polarity.ACTIVE_HIGH, 0));
        space.setIsaIrq(0, true);
        assertEquals(1, sink.count(2));
        assertThrows(IllegalArgumentException.class, () -> space.gsiOfIsaIrq(16));
        assertTrue(GsiSpace.builder().add(first).withoutDefaultOverride().build().override(0).isEmpty());
    }

    @Test
    void overridesCarryTheirMadtFlags() {
        GsiSpace space = GsiSpace.builder().add(first).add(second)
                .override(9, 9, InterruptSourceOverride.TRIGGER_LEVEL | InterruptSourceOverride.POLARITY_ACTIVE_HIGH)
                .override(0, 20, 0)
                .override(5, 40, InterruptSourceOverride.TRIGGER_LEVEL | InterruptSourceOverride.POLARITY_ACTIVE_LOW)
                .build();
        assertEquals(20, space.gsiOfIsaIrq(0), "an explicit IRQ0 override replaces the default");
        assertEquals(40, space.gsiOfIsaIrq(5));
        assertEquals(TriggerMode.LEVEL, space.override(9).orElseThrow().trigger());
        assertEquals(Polarity.ACTIVE_HIGH, space.override(9).orElseThrow().polarity());
        assertEquals(Polarity.ACTIVE_LOW, space.override(5).orElseThrow().polarity());
        assertEquals(3, space.overrides().size());
    }

    @Test
    void badOverridesAreRejected() {
        UnknownGsiException unknown = assertThrows(UnknownGsiException.class,
                () -> GsiSpace.builder().add(first).override(3, 30, 0).build());
        assertEquals(30, unknown.gsi());
        assertTrue(unknown.getMessage().contains("ISA IRQ 3"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GsiSpace.builder().add(first).override(3, 3, 0).override(3, 4, 0).build());
        assertThrows(IllegalArgumentException.class, () -> new InterruptSourceOverride(16, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new InterruptSourceOverride(1, 2, 0b10));
        assertThrows(IllegalArgumentException.class, () -> new InterruptSourceOverride(1, 2, 0b1000));
        assertThrows(IllegalArgumentException.class, () -> new InterruptSourceOverride(1, 2, 0x10));
    }

    @Test
    void eoiIsBroadcastToEveryIoApic() {
        GsiSpace space = GsiSpace.of(first, second);
        long level = RedirectionEntry.fixed(0x60, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0);
        first.setEntry(1, level);
        second.setEntry(1, level);
        space.assertGsi(1);
        space.assertGsi(25);
        space.deassertGsi(1);
        space.deassertGsi(25);
        assertEquals(2, space.eoi(0x60));
        assertFalse(RedirectionEntry.remoteIrr(space.entry(1)));
        assertFalse(RedirectionEntry.remoteIrr(space.entry(25)));
    }

    @Test
    void unmaskListenersOfTheSpaceGetTheGsi() {
        GsiSpace space = GsiSpace.of(first, second);
        List<Integer> gsis = new ArrayList<>();
        space.addUnmaskListener((s, pin, gsi, trigger, polarity) -> gsis.add(gsi));
        first.setEntry(3, 0x30);
        second.setEntry(3, 0x31);
        assertEquals(List.of(3, 27), gsis);
    }
}
