package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;

/**
 * XEN_DOMCTL_memory_mapping over a guest's RAM: set_typed_p2m_entry lets the MMIO entry replace p2m_ram_rw (Xen 4.14's
 * and today's xen/arch/x86/mm/p2m.c), and clear_mmio_p2m_entry leaves the frame empty, so the RAM stays lost.
 */
class GuestRamTest {
    private static final P2m.Owner BAR3 = new P2m.Owner(Sbdf.parse("0000:01:00.0"), 3);

    private static Xen xen() {
        Xen xen = new Xen(XenConfig.UPSTREAM, new TestBus());
        xen.createDom0(Domain.Kind.PVH, 1);
        return xen;
    }

    @Test
    void aMappingOverRamReplacesItAndTakingTheMappingOutDoesNotBringItBack() {
        Xen xen = xen();
        Domain g = xen.createDomain(1, 0xf000_0000L);
        grantAll(xen, g);
        assertEquals(0, xen.memoryMapping(xen.dom0(), g.id(), 0x10000, 0x8010000, 0x8000, true, BAR3));
        assertEquals(List.of(new GuestRam.Lost(0x10000, 0x8000, BAR3)), g.ram().lost());
        assertEquals(0, xen.memoryMapping(xen.dom0(), g.id(), 0x10000, 0x8010000, 0x8000, false, null));
        assertEquals(1, g.ram().lost().size(), "the RAM is not restored");
        assertTrue(g.p2m().isEmpty());
    }

    @Test
    void aMappingInTheMmioHoleOrTheVgaHoleTakesNoRam() {
        Xen xen = xen();
        Domain g = xen.createDomain(1, 1L << 30);
        grantAll(xen, g);
        assertEquals(0, xen.memoryMapping(xen.dom0(), g.id(), 0xf0000, 0xfc000, 0x1000, true, BAR3)); // 0xf0000000
        assertEquals(0, xen.memoryMapping(xen.dom0(), g.id(), 0xa0, 0x1000, 0x60, true, BAR3)); // [0xa0000, 0x100000)
        assertTrue(g.ram().lost().isEmpty(), g.ram().lost()::toString);
        assertEquals(0, xen.memoryMapping(xen.dom0(), g.id(), 0x3fff0, 0x2000, 0x20, true, BAR3)); // straddles the end of RAM
        assertEquals(List.of(new GuestRam.Lost(0x3fff0, 0x10, BAR3)), g.ram().lost(), "only the frames below 1 GiB");
    }

    @Test
    void aRefusedMappingTakesNothingAndABadRamSizeIsRefusedBeforeAnyDomainIsMade() {
        Xen xen = xen();
        Domain g = xen.createDomain(1, 1L << 30);
        grantAll(xen, g);
        assertEquals(0, xen.memoryMapping(xen.dom0(), g.id(), 0xf0000, 0xfc000, 0x10, true, BAR3));
        assertTrue(xen.memoryMapping(xen.dom0(), g.id(), 0xf0000, 0xfd000, 0x10, true, BAR3) < 0);
        assertTrue(g.ram().lost().isEmpty());
        int before = xen.domains().size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> xen.createDomain(1, 0xf000_1000L));
        assertTrue(e.getMessage().contains("0xf0001000"), e.getMessage());
        assertEquals(before, xen.domains().size());
    }

    /** What libxl's attach does before QEMU maps (xc_domain_iomem_permission): memory_mapping checks it since XSA-476's work. */
    private static void grantAll(Xen xen, Domain g) {
        // every frame the tests map, below the local APIC's page (dom0 is not permitted that one) and the BAR above 4 GiB
        assertEquals(0, xen.domctls().iomemPermission(xen.dom0(), g.id(), 0x1000, 0xfe000 - 0x1000, true));
        assertEquals(0, xen.domctls().iomemPermission(xen.dom0(), g.id(), 0x8000000, 0x20000, true));
    }
}
