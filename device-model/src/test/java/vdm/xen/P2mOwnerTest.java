package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;

/** A p2m range's owner prints as the model's logs name a BAR, parses back, and refuses what is not one. */
class P2mOwnerTest {
    @Test
    void anOwnerPrintsAndParsesBack() {
        P2m.Owner bar = new P2m.Owner(Sbdf.parse("0000:03:00.0"), 2), rom = new P2m.Owner(Sbdf.parse("0000:00:02.0"), P2m.ROM);
        assertEquals("0000:03:00.0 BAR2", bar.toString());
        assertEquals("0000:00:02.0 ROM", rom.toString());
        assertEquals(bar, P2m.Owner.parse(bar.toString()));
        assertEquals(rom, P2m.Owner.parse(rom.toString()));
    }

    @Test
    void whatIsNotAnOwnerIsRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> P2m.Owner.parse("0000:03:00.0 BAR7")).getMessage()
                .contains("'0000:03:00.0 BAR7' is not a p2m owner"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> P2m.Owner.parse("0000:03:00.0")).getMessage()
                .contains("is not a p2m owner"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new P2m.Owner(Sbdf.parse("0000:03:00.0"), 7)).getMessage()
                .contains("BAR 7 is not 0..5 or the ROM (6)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new P2m().map(0x1000, 0x1000, 0x2000, null)).getMessage()
                .contains("the owner is missing"));
    }
}
