package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.host.MemoryRegion;

/**
 * Xen's memory map tests, from x86 mm.c's is_memory_hole (any entry sharing a frame with the range, whatever its type)
 * and pci.c's pci_sanitize_bar_memory (each entry's frames PFN_DOWN(addr)..PFN_DOWN(addr + size - 1) removed, as
 * 7ab4b392b7 corrected it).
 */
class MemoryMapTest {
    private static final MemoryMap MAP = MemoryMap.of(List.of(
            new MemoryRegion(0x0, 0x9fbff, MemoryRegion.Type.RAM),
            new MemoryRegion(0xfe001000L, 0xfe001fffL, MemoryRegion.Type.RESERVED),
            new MemoryRegion(0xfe005800L, 0xfe0067ffL, MemoryRegion.Type.ACPI)));

    @Test
    void aRangeIsAHoleOnlyIfNoEntryOfAnyTypeSharesAFrameWithIt() {
        assertTrue(MAP.isHole(0xfe000, 0xfe000));
        assertFalse(MAP.isHole(0xfe000, 0xfe001), "the reserved page");
        assertFalse(MAP.isHole(0x9f, 0x9f), "RAM counts too: the frame of its last byte");
        assertFalse(MAP.isHole(0xfe006, 0xfe006), "an entry ending mid-frame takes the frame of its last byte");
        assertTrue(MAP.isHole(0xfe007, 0xfe00f));
        assertTrue(MemoryMap.EMPTY.isHole(0, Long.MAX_VALUE));
    }

    @Test
    void sanitizingLeavesOutEveryFrameOfTheMapAndNoOther() {
        // frames fe000..fe00f in one piece: fe001 (reserved) and fe005..fe006 (the ACPI entry's frames) go
        assertArrayEquals(new long[] {0xfe000, 1, 0xfe002, 3, 0xfe007, 9}, MAP.remove(new long[] {0xfe000, 16}));
        // pieces around the MSI-X holes keep their order
        assertArrayEquals(new long[] {0xfe000, 1, 0xfe003, 1}, MAP.remove(new long[] {0xfe000, 2, 0xfe003, 1}));
        assertArrayEquals(new long[] {}, MAP.remove(new long[] {0xfe001, 1}));
        long[] untouched = {0x100000, 4};
        assertArrayEquals(untouched, MAP.remove(untouched));
    }
}
