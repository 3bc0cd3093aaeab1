package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.pci.layout.Layout;

/** _PRT lookups as an OSPM resolves them: direct GSIs, links (and their _SRS), the bridge swizzle, no INTx pin. */
class PrtResolutionTest {

    /** A device with INTx pin {@code pin} (1..4). */
    private static Layout withPin(String name, int pin) {
        return Layout.type0(name).ids(0x1234, 0x0001).classCode(0x020000).interruptPin(pin).build();
    }

    private static Host host() {
        return Host.builder()
                .ioApic(0, 0xfec0_0000L, 0, 24).ioApic(1, 0xfec0_1000L, 24, 32)
                .device("0000:00:03.0", "e1000e")
                .device("0000:00:04.0", "nvme")
                .bridge("0000:00:1c.0", "pcie-root-port", 1, 2)      // swizzled below: no _PRT on bus 01
                .bridge("0000:01:02.0", "pcie-root-port", 2)         // explicit _PRT on its bus 02
                .device("0000:01:01.0", withPin("pin-b", 2))
                .device("0000:01:03.0", withPin("pin-d", 4))
                .device("0000:02:00.0", "e1000")
                .prt(0, 3, IntxPin.A, 38)
                .prtLink(0, 4, IntxPin.A, "LNKA")
                .prt(0, 0x1c, IntxPin.A, 16).prt(0, 0x1c, IntxPin.B, 17).prt(0, 0x1c, IntxPin.C, 18).prt(0, 0x1c, IntxPin.D, 19)
                .prt(2, 0, IntxPin.A, 30)
                .link("LNKA", List.of(20, 21, 22), 21)
                .link("LNKE", List.of(40, 41), 0, TriggerMode.EDGE, Polarity.ACTIVE_HIGH)
                .build();
    }

    @Test
    void directEntryGivesItsGsiLevelActiveLow() {
        IntxRoute r = host().prtLookup(Sbdf.parse("00:03.0"), 1).orElseThrow();
        assertEquals(38, r.gsi());
        assertEquals(TriggerMode.LEVEL, r.trigger());
        assertEquals(Polarity.ACTIVE_LOW, r.polarity());
        assertFalse(r.viaLink());
        assertFalse(r.swizzled());
    }

    @Test
    void linkEntryGivesTheLinksCurrentIrq() {
        IntxRoute r = host().route(Sbdf.parse("00:04.0")).orElseThrow();
        assertEquals("LNKA", r.link());
        assertEquals(21, r.gsi());
        assertEquals(TriggerMode.LEVEL, r.trigger());
    }

    @Test
    void srsReroutesTheLinkAndTheNextLookupSeesIt() {
        Host host = host();
        Sbdf nvme = Sbdf.parse("00:04.0");
        int before = host.route(nvme).orElseThrow().gsi();
        host.link("LNKA").orElseThrow().setResource(22);
        assertEquals(21, before);
        assertEquals(22, host.route(nvme).orElseThrow().gsi());
    }

    @Test
    void srsOfAnImpossibleIrqIsRefusedAndChangesNothing() {
        Host host = host();
        LinkDevice link = host.link("LNKA").orElseThrow();
        var e = assertThrows(IllegalArgumentException.class, () -> link.setResource(23));
        assertTrue(e.getMessage().contains("LNKA") && e.getMessage().contains("[20, 21, 22]"), e.getMessage());
        assertEquals(21, host.route(Sbdf.parse("00:04.0")).orElseThrow().gsi());
    }

    @Test
    void disabledLinkRoutesNowhereUntilAllocated() {
        Host host = host();
        host.link("LNKA").orElseThrow().disable();
        Sbdf nvme = Sbdf.parse("00:04.0");
        assertFalse(host.route(nvme).orElseThrow().routed());
        assertEquals(IntxRoute.NO_GSI, host.route(nvme).orElseThrow().gsi());
        assertEquals(20, host.routeAllocating(nvme).orElseThrow().gsi());
        assertEquals(20, host.link("LNKA").orElseThrow().current());
    }

    @Test
    void linkMaySayEdgeActiveHigh() {
        Host host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 48).device("00:05.0", "e1000")
                .prtLink(0, 5, IntxPin.A, "LNKE").link("LNKE", List.of(40, 41), 41, TriggerMode.EDGE, Polarity.ACTIVE_HIGH).build();
        IntxRoute r = host.route(Sbdf.parse("00:05.0")).orElseThrow();
        assertEquals(41, r.gsi());
        assertEquals(TriggerMode.EDGE, r.trigger());
        assertEquals(Polarity.ACTIVE_HIGH, r.polarity());
    }

    @Test
    void deviceBehindABridgeWithoutPrtIsSwizzledToTheBridgesEntry() {
        Host host = host();
        // 01:01.0 INTB: (B + 1) mod 4 = C at the bridge 00:1c -> GSI 18
        IntxRoute b = host.route(Sbdf.parse("01:01.0")).orElseThrow();
        assertEquals(18, b.gsi());
        assertTrue(b.swizzled());
        assertEquals(0x1c, b.entry().device());
        assertEquals(IntxPin.C, b.entry().pin());
        // 01:03.0 INTD: (D + 3) mod 4 = C -> GSI 18 as well
        assertEquals(18, host.route(Sbdf.parse("01:03.0")).orElseThrow().gsi());
        // explicit pins through the same slot: device 1 INTA -> INTB -> 17; device 1 INTD -> INTA -> 16
        assertEquals(17, host.prtLookup(Sbdf.parse("01:01.0"), 1).orElseThrow().gsi());
        assertEquals(16, host.prtLookup(Sbdf.parse("01:01.0"), 4).orElseThrow().gsi());
    }

    @Test
    void busWithItsOwnPrtEntriesUsesThem() {
        IntxRoute r = host().route(Sbdf.parse("02:00.0")).orElseThrow();
        assertEquals(30, r.gsi());
        assertFalse(r.swizzled());
    }

    @Test
    void swizzleGoesUpAsManyBridgesAsNeeded() {
        // 02:00.0 INTB has no entry on bus 02: swizzle to (B+0)=B at 01:02, then no entry on bus 01: (B+2)=D at 00:1c
        IntxRoute r = host().prtLookup(Sbdf.parse("02:00.0"), 2).orElseThrow();
        assertEquals(19, r.gsi());
        assertEquals(0, r.entry().bus());
        assertEquals(IntxPin.D, r.entry().pin());
    }

    @Test
    void functionWithoutInterruptPinHasNoRoute() {
        Host host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device("00:04.0", LayoutSpec.endpoint("no-intx", 0x8086, 0x0b25, 0x088000)).build();
        assertEquals(0, host.require(Sbdf.parse("00:04.0")).interruptPin());
        assertTrue(host.route(Sbdf.parse("00:04.0")).isEmpty());
        assertTrue(host.prtLookup(Sbdf.parse("00:04.0"), 0).isEmpty());
    }

    @Test
    void swizzleIsThePciToPciBridgeTable() {
        // PCI-to-PCI Bridge spec 1.2 table 9-1: device 0 keeps the pin, device 1 shifts by one, device 4 wraps.
        assertEquals(IntxPin.A, IntxPin.A.swizzle(0));
        assertEquals(IntxPin.B, IntxPin.A.swizzle(1));
        assertEquals(IntxPin.A, IntxPin.D.swizzle(1));
        assertEquals(IntxPin.A, IntxPin.A.swizzle(4));
        assertEquals(IntxPin.C, IntxPin.B.swizzle(0x1d));
        assertNull(host().link("NONE").orElse(null));
    }
}
