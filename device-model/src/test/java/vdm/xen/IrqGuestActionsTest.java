package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.hosts.TestHost;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;

/**
 * pirq_guest_bind's sharing rule (xen/arch/x86/irq.c) as pt_irq_create_bind reaches it (drivers/passthrough/x86/hvm.c):
 * a domU binds PCI INTx with BIND_PIRQ__WILL_SHARE, the hardware domain with its vIO-APIC pin's trigger mode
 * (vioapic_hwdom_map_gsi on the unmask), and the first binder sets the action's shareable.
 */
class IrqGuestActionsTest {
    private static final int GSI = 28;

    record Rig(Xen xen, Domain dom0, Domain guest, List<String> log) {
        static Rig on() {
            Host host = Host.create(TestHost.WIDE.description()).enumerate();
            Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
            List<String> log = new ArrayList<>();
            xen.log().addListener(l -> log.add(l.line()));
            Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
            return new Rig(xen, dom0, xen.createDomain(1), log);
        }

        /** dom0's driver requests the line: its vIO-APIC pin programmed with {@code trigger} and unmasked. */
        void dom0Unmasks(TriggerMode trigger) {
            for (IoApic v : xen.dom0VioApics()) {
                if (GSI < v.gsiBase() || GSI >= v.gsiBase() + v.pins()) continue;
                v.setEntry(GSI - v.gsiBase(), RedirectionEntry.fixed(0x40, trigger, Polarity.ACTIVE_LOW, 0) | RedirectionEntry.MASK);
                v.updateEntry(GSI - v.gsiBase(), RedirectionEntry.MASK, 0);
            }
        }

        /** QEMU's map_pirq and bind_pt_irq of the line into the guest, with libxl's gsi_permission. */
        int guestBinds() {
            PhysdevOps.PirqResult m = xen.physdev().mapPirq(dom0, guest.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI);
            assertEquals(0, m.rc());
            return guest.interrupts().bind(dom0, m.pirq(), 4, 0);
        }
    }

    @Test
    void aGuestIsRefusedALineDom0BoundEdgeTriggered() {
        Rig r = Rig.on();
        r.dom0Unmasks(TriggerMode.EDGE);
        assertTrue(r.dom0().pirqs().bound(GSI), "dom0 has the GSI bound");
        assertEquals(-Errno.EBUSY, r.guestBinds());
        assertTrue(r.log().stream().anyMatch(l -> l.endsWith("Cannot bind IRQ28 to dom1. Others do not share.")), r.log()::toString);
        assertTrue(r.guest().interrupts().bindings().isEmpty(), "no link is left behind");
        assertArrayEquals(new int[] {GSI}, XenState.capture(r.xen()).unsharedIrqs());
    }

    @Test
    void aLevelTriggeredLineIsShared() {
        Rig r = Rig.on();
        r.dom0Unmasks(TriggerMode.LEVEL);
        assertEquals(0, r.guestBinds());
        assertEquals(0, XenState.capture(r.xen()).unsharedIrqs().length);
    }

    @Test
    void aNewcomerThatWillNotShareIsRefusedALineHeldByAnother() {
        Rig r = Rig.on();
        assertEquals(0, r.xen().routing().registerGsi(GSI, true, true)); // pciback's setup_gsi
        assertEquals(0, r.guestBinds());
        // the hardware domain binding edge (will_share 0) as pt_irq_create_bind would for an edge pin
        assertEquals(-Errno.EBUSY, r.xen().irqActions().bind(r.dom0(), GSI, GSI, false));
        assertTrue(r.log().stream().anyMatch(l -> l.endsWith("Cannot bind IRQ28 to dom0. Will not share with others.")), r.log()::toString);
    }

    @Test
    void theActionGoesWithItsLastDomain() {
        Rig r = Rig.on();
        assertEquals(0, r.xen().routing().registerGsi(GSI, true, true));
        assertEquals(0, r.xen().irqActions().bind(r.guest(), GSI, GSI, false)); // an unshared action, nobody bound yet
        r.xen().irqActions().released(GSI); // nobody holds it
        assertEquals(0, XenState.capture(r.xen()).unsharedIrqs().length);
    }
}
