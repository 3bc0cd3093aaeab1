package vdm.ioapic;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vdm.ioapic.RedirectionEntry.remoteIrr;

class IoApicDeliveryTest {
    private final RecordingSink sink = new RecordingSink();
    private final IoApic apic = IoApic.create(sink);

    private static long level(int vector) {
        return RedirectionEntry.fixed(vector, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0);
    }

    private static long edge(int vector) {
        return RedirectionEntry.fixed(vector, TriggerMode.EDGE, Polarity.ACTIVE_HIGH, 0);
    }

    @Test
    void aLevelInputIsDeliveredOnceAndHeldByRemoteIrrUntilEoi() {
        apic.setEntry(5, level(0x35));
        apic.assertPin(5);
        assertEquals(1, sink.count());
        assertTrue(remoteIrr(apic.entry(5)));
        apic.assertPin(5);
        apic.deassertPin(5);
        apic.assertPin(5);
        assertEquals(1, sink.count(), "no second delivery while remote IRR is set");
        assertEquals(1, apic.eoi(0x35));
        assertEquals(2, sink.count(), "EOI with the line still asserted delivers again");
        assertTrue(remoteIrr(apic.entry(5)));
        apic.deassertPin(5);
        assertEquals(1, apic.eoi(0x35));
        assertEquals(2, sink.count(), "EOI with the line deasserted delivers nothing");
        assertFalse(remoteIrr(apic.entry(5)));
        assertEquals(0, apic.eoi(0x35), "no pin waits for that EOI any more");
    }

    @Test
    void eoiClearsOnlyLevelPinsWithThatVectorAndRemoteIrr() {
        apic.setEntry(1, level(0x41));
        apic.setEntry(2, level(0x42));
        apic.setEntry(3, edge(0x41));
        apic.setEntry(4, level(0x41));
        apic.assertPin(1);
        apic.assertPin(2);
        apic.assertPin(3);
        apic.deassertPin(1);
        apic.deassertPin(2);
        assertEquals(3, sink.count());
        assertEquals(1, apic.eoi(0x41), "pin 4 never delivered, pin 3 is edge");
        assertFalse(remoteIrr(apic.entry(1)));
        assertTrue(remoteIrr(apic.entry(2)));
        assertEquals(3, sink.count());
    }

    @Test
    void aLevelInputAssertedWhileMaskedIsLatchedAndDeliveredOnUnmask() {
        apic.setEntry(7, level(0x47) | RedirectionEntry.MASK);
        apic.assertPin(7);
        assertEquals(0, sink.count());
        assertTrue(apic.pending(7));
        apic.writeRegister(0x10 + 2 * 7, (int) level(0x47)); // unmask through the window
        assertEquals(1, sink.count());
        assertEquals(7, sink.pin(0));
        assertTrue(remoteIrr(apic.entry(7)));
    }

    @Test
    void aLevelInputDeassertedBeforeUnmaskIsNotDelivered() {
        apic.setEntry(7, level(0x47) | RedirectionEntry.MASK);
        apic.assertPin(7);
        apic.deassertPin(7);
        apic.setEntry(7, level(0x47));
        assertEquals(0, sink.count());
        assertFalse(remoteIrr(apic.entry(7)));
    }

    @Test
    void anEdgeWhileMaskedIsDropped() {
        apic.setEntry(9, edge(0x49) | RedirectionEntry.MASK);
        apic.assertPin(9);
        apic.deassertPin(9);
        apic.assertPin(9);
        apic.setEntry(9, edge(0x49));
        assertEquals(0, sink.count());
        assertFalse(apic.pending(9));
    }

    @Test
    void everyEdgeWhileUnmaskedIsDeliveredAndNeverSetsRemoteIrr() {
        apic.setEntry(10, edge(0x4a));
        apic.assertPin(10);
        apic.assertPin(10); // QEMU: each assert is an edge
        apic.deassertPin(10);
        apic.assertPin(10);
        assertEquals(3, sink.count());
        assertFalse(remoteIrr(apic.entry(10)));
        assertFalse(apic.pending(10));
        assertEquals(0, apic.eoi(0x4a));
    }

    @Test
    void switchingAPinToEdgeClearsRemoteIrr() {
        apic.setEntry(11, level(0x4b));
        apic.assertPin(11);
        apic.deassertPin(11);
        assertTrue(remoteIrr(apic.entry(11)));
        apic.setEntry(11, edge(0x4b));
        assertFalse(remoteIrr(apic.entry(11)));
        apic.setEntry(11, level(0x4b));
        assertFalse(remoteIrr(apic.entry(11)), "switching back does not bring remote IRR back");
        assertEquals(1, sink.count());
    }

    @Test
    void eoiOfAMaskedPinClearsRemoteIrrAndTheUnmaskDeliversTheStillAssertedLine() {
        apic.setEntry(12, level(0x4c));
        apic.assertPin(12);
        apic.setEntry(12, level(0x4c) | RedirectionEntry.MASK);
        assertTrue(remoteIrr(apic.entry(12)), "masking keeps remote IRR");
        apic.eoi(0x4c);
        assertFalse(remoteIrr(apic.entry(12)));
        assertEquals(1, sink.count(), "masked: no re-delivery at EOI");
        apic.setEntry(12, level(0x4c));
        assertEquals(2, sink.count());
        assertTrue(remoteIrr(apic.entry(12)));
    }

    @Test
    void unmaskingWithRemoteIrrSetDeliversNothing() {
        apic.setEntry(13, level(0x4d));
        apic.assertPin(13);
        apic.setEntry(13, level(0x4d) | RedirectionEntry.MASK);
        apic.setEntry(13, level(0x4d));
        assertEquals(1, sink.count());
    }

    @Test
    void theDeliveryCarriesTheMessageARealIoApicEmits() {
        long entry = RedirectionEntry.of(0x41, DeliveryMode.LOWEST_PRIORITY, DestinationMode.LOGICAL,
                Polarity.ACTIVE_LOW, TriggerMode.LEVEL, false, 0x05) | 0x00ab_0000_0000_0000L;
        apic.setEntry(3, entry);
        apic.assertPin(3);
        assertEquals(1, sink.size());
        assertEquals(0xFEE0_5AB4L, sink.address(0)); // dest 12..19, bits 48..55 at 4..11, logical at bit 2
        assertEquals(0x8141, sink.data(0));
        assertEquals(5, MsiMessage.destination(sink.address(0)));
        assertEquals(DestinationMode.LOGICAL, MsiMessage.destinationMode(sink.address(0)));
        assertEquals(0x41, MsiMessage.vector(sink.data(0)));
        assertEquals(DeliveryMode.LOWEST_PRIORITY, MsiMessage.deliveryMode(sink.data(0)));
        assertEquals(TriggerMode.LEVEL, MsiMessage.trigger(sink.data(0)));
        assertEquals(apic, sink.source(0));

        apic.setEntry(4, RedirectionEntry.of(0x22, DeliveryMode.NMI, DestinationMode.PHYSICAL,
                Polarity.ACTIVE_HIGH, TriggerMode.EDGE, false, 0xff));
        apic.assertPin(4);
        assertEquals(0xFEEF_F000L, sink.address(1));
        assertEquals(0x0422, sink.data(1));
    }

    @Test
    void deliveryStatusReadsZeroWhateverThePinDoes() {
        apic.setEntry(6, level(0x46) | RedirectionEntry.MASK);
        apic.assertPin(6);
        assertFalse(RedirectionEntry.deliveryStatus(apic.entry(6)));
        apic.setEntry(6, level(0x46));
        assertFalse(RedirectionEntry.deliveryStatus(apic.entry(6)));
        assertEquals(0, apic.readRegister(0x10 + 12) & 0x1000);
    }

    @Test
    void unmaskListenersAreToldOncePerTransitionBeforeTheReleasedDelivery() {
        List<String> events = new ArrayList<>();
        IoApic a = IoApic.builder().gsiBase(24).sink((s, pin, addr, data) -> events.add("deliver " + pin)).build();
        a.addUnmaskListener((s, pin, gsi, trigger, polarity) ->
                events.add("unmask " + pin + " gsi " + gsi + " " + trigger + " " + polarity));
        a.setEntry(2, level(0x32) | RedirectionEntry.MASK);
        a.assertPin(2);
        a.writeRegister(0x10 + 4, (int) level(0x32));
        a.writeRegister(0x10 + 4, (int) level(0x33)); // still unmasked: no transition
        a.writeRegister(0x11 + 4, 0x0100_0000); // high dword: no transition
        a.setEntry(5, edge(0x35));
        a.setEntry(5, edge(0x35) | RedirectionEntry.MASK);
        a.setEntry(5, edge(0x35));
        assertEquals(List.of(
                "unmask 2 gsi 26 LEVEL ACTIVE_LOW",
                "deliver 2",
                "unmask 5 gsi 29 EDGE ACTIVE_HIGH",
                "unmask 5 gsi 29 EDGE ACTIVE_HIGH"), events);
        UnmaskListener l = (s, pin, gsi, t, p) -> events.add("second");
        a.addUnmaskListener(l);
        assertTrue(a.removeUnmaskListener(l));
        assertFalse(a.removeUnmaskListener(l));
    }

    @Test
    void resetForgetsLatchedInputsAndRemoteIrr() {
        apic.setEntry(8, level(0x48));
        apic.assertPin(8);
        apic.setEntry(9, level(0x49) | RedirectionEntry.MASK);
        apic.assertPin(9);
        apic.reset();
        assertFalse(apic.pending(8));
        assertFalse(apic.pending(9));
        apic.setEntry(8, level(0x48));
        apic.setEntry(9, level(0x49));
        assertEquals(1, sink.count(), "nothing latched survives reset");
    }
}
