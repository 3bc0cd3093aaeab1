package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;

/** Interrupts through Xen: a machine irq shared by guests, and MSI irqs allocated from several threads at once. */
class InterruptDeliveryTest {
    private static final int GSI = 28, VECTOR = 0x51;

    /** A hypervisor whose physical IO-APICs deliver into it, as on a host. */
    private static Xen xenOnIoApics() {
        Xen[] xen = new Xen[1];
        InterruptSink sink = (source, pin, address, data) -> xen[0].physicalInterrupt(source, pin, address, data);
        GsiSpace gsis = GsiSpace.of(IoApic.builder().id(0).pins(24).gsiBase(0).sink(sink).build(),
                IoApic.builder().id(1).pins(32).gsiBase(24).address(0xfec01000L).sink(sink).build());
        xen[0] = new Xen(XenConfig.UPSTREAM, new TestBus().add("0000:00:03.0", "e1000"), gsis, 9);
        xen[0].createDom0(Domain.Kind.PVH, 1);
        return xen[0];
    }

    /** A guest with GSI's pirq mapped and bound to its device 5 INTA, its vIO-APIC pin programmed; returns the pin. */
    private static int bindGuest(Xen xen, Domain guest) {
        assertEquals(0, xen.physdev().mapPirq(xen.dom0(), guest.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI).rc());
        assertEquals(0, guest.interrupts().bind(xen.dom0(), GSI, 5, 0));
        int pin = GuestInterrupts.intxGsi(5, 0);
        guest.interrupts().vioapic().setEntry(pin, RedirectionEntry.fixed(VECTOR, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        return pin;
    }

    @Test
    void aMachineIrqSharedByTwoGuestsReachesBoth() {
        Xen xen = xenOnIoApics();
        assertEquals(0, xen.physdev().setupGsi(xen.dom0(), GSI, 1, 1));
        Domain a = xen.createDomain(1), b = xen.createDomain(1);
        int pinA = bindGuest(xen, a), pinB = bindGuest(xen, b);
        xen.routing().physical().assertGsi(GSI);
        assertEquals(1, a.interrupts().delivered().count(pinA), "__do_IRQ_guest injects into every guest sharing the irq");
        assertEquals(1, b.interrupts().delivered().count(pinB));
        xen.routing().physical().deassertGsi(GSI);
        a.interrupts().guestEoi(VECTOR);
        b.interrupts().guestEoi(VECTOR);
        assertEquals(0, a.interrupts().unbind(xen.dom0(), GSI, 5, 0));
        xen.routing().physical().assertGsi(GSI);
        assertEquals(1, a.interrupts().delivered().count(pinA), "an unbound guest gets nothing more");
        assertEquals(2, b.interrupts().delivered().count(pinB));
    }

    @Test
    void msiPirqsMappedIntoTwoDomainsAtOnceFinishWithDistinctIrqs() {
        Xen xen = xenOnIoApics();
        Domain a = xen.createDomain(1), b = xen.createDomain(1);
        int rounds = 200;
        int[][] irqs = new int[2][rounds];
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            CyclicBarrier start = new CyclicBarrier(2);
            Thread other = Thread.ofPlatform().start(() -> map(xen, b, irqs[1], start));
            map(xen, a, irqs[0], start);
            other.join();
        }, "two MSI map_pirqs into different domains must not wait on each other (the MSI irq lock comes first)");
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int[] side : irqs) for (int irq : side) assertNotEquals(false, seen.add(irq), "irq " + irq + " given twice");
        assertEquals(2 * rounds, seen.size());
    }

    private static void map(Xen xen, Domain d, int[] out, CyclicBarrier start) {
        try {
            start.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        for (int i = 0; i < out.length; i++) {
            PhysdevOps.PirqResult r = xen.physdev().mapPirq(xen.dom0(), d.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI, 0, -1);
            assertEquals(0, r.rc());
            out[i] = d.pirqs().irq(r.pirq());
        }
    }
}
