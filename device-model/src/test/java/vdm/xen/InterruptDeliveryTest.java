package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
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

    /** A guest with GSI's pirq mapped and bound to devices 5 and 6 (INTA), both pins programmed with VECTOR. */
    private static Domain guestWithTwoLinks(Xen xen) {
        assertEquals(0, xen.physdev().setupGsi(xen.dom0(), GSI, 1, 1));
        Domain g = xen.createDomain(1);
        bindGuest(xen, g);
        assertEquals(0, g.interrupts().bind(xen.dom0(), GSI, 6, 0), "a second device on the pirq: a second link");
        g.interrupts().vioapic().setEntry(GuestInterrupts.intxGsi(6, 0), RedirectionEntry.fixed(VECTOR, TriggerMode.LEVEL, Polarity.ACTIVE_LOW, 0));
        return g;
    }

    @Test
    void theSameDeviceAndIntxBoundTwiceGetsASecondLinkAsPtIrqCreateBindLooksForNone() {
        Xen xen = xenOnIoApics();
        assertEquals(0, xen.physdev().setupGsi(xen.dom0(), GSI, 1, 1));
        Domain g = xen.createDomain(1);
        bindGuest(xen, g);
        assertEquals(0, g.interrupts().bind(xen.dom0(), GSI, 5, 0));
        assertEquals(2, g.interrupts().bindings().get(GSI).size());
        assertEquals(0, g.interrupts().unbind(xen.dom0(), GSI, 5, 0), "pt_irq_destroy_bind drops every matching digl");
        assertTrue(g.interrupts().bindings().isEmpty());
        assertFalse(g.pirqs().bound(GSI), "the last link's unbind unbinds the machine irq");
    }

    @Test
    void unbindingADeviceWithoutALinkIsEinvalAndChangesNothing() {
        Xen xen = xenOnIoApics();
        Domain g = guestWithTwoLinks(xen);
        var before = g.interrupts().bindings();
        assertEquals(-vdm.errno.Errno.EINVAL, g.interrupts().unbind(xen.dom0(), GSI, 7, 0), "no girq for device 7");
        assertEquals(-vdm.errno.Errno.EINVAL, g.interrupts().unbind(xen.dom0(), GSI, 5, 1), "no girq for INTB");
        assertEquals(before, g.interrupts().bindings());
    }

    @Test
    void aPartialUnbindKeepsTheMachineIrqForTheOtherLink() {
        Xen xen = xenOnIoApics();
        Domain g = guestWithTwoLinks(xen);
        int pin5 = GuestInterrupts.intxGsi(5, 0), pin6 = GuestInterrupts.intxGsi(6, 0);
        assertEquals(0, g.interrupts().unbind(xen.dom0(), GSI, 5, 0));
        assertTrue(g.pirqs().bound(GSI));
        assertEquals(0, xen.routing().physical().entry(GSI) & RedirectionEntry.MASK, "still unmasked");
        xen.routing().physical().assertGsi(GSI);
        assertEquals(0, g.interrupts().delivered().count(pin5));
        assertEquals(1, g.interrupts().delivered().count(pin6));
    }

    @Test
    void unmappingABoundPirqForcesItsUnbindAndKeepsTheLinksUntilUnbound() {
        Xen xen = xenOnIoApics();
        Domain g = guestWithTwoLinks(xen);
        assertEquals(0, g.interrupts().unbind(xen.dom0(), GSI, 5, 0));
        assertEquals(0, xen.physdev().unmapPirq(xen.dom0(), g.id(), GSI), "unmap_domain_pirq does not refuse a bound pirq");
        assertTrue(xen.log().events().stream().anyMatch(e -> e.level() == vdm.log.Level.WARNING
                && e.message().equals("dom" + g.id() + ": forcing unbind of pirq " + GSI)), xen.log()::dmesg);
        assertTrue((xen.routing().physical().entry(GSI) & RedirectionEntry.MASK) != 0, "no guest holds the irq: masked");
        xen.routing().physical().assertGsi(GSI);
        assertEquals(0, g.interrupts().delivered().count(GuestInterrupts.intxGsi(6, 0)), "the guest no longer gets the irq");
        assertEquals(1, g.interrupts().bindings().get(GSI).size(), "the pirq's links stay (pirq_guest_force_unbind leaves the dpci)");
        assertEquals(0, g.interrupts().unbind(xen.dom0(), GSI, 6, 0), "pt_irq_destroy_bind still finds the link");
        assertTrue(g.interrupts().bindings().isEmpty());
        assertEquals(-vdm.errno.Errno.EINVAL, xen.physdev().unmapPirq(xen.dom0(), g.id(), GSI), "pirq not mapped");
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
