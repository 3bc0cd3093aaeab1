package vdm.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Access.check's single test accepts exactly what the plain definition does, at every size and offset edge. */
class AccessCheckTest {
    private static boolean valid(int offset, int size) {
        return (size == 1 || size == 2 || size == 4) && offset % size == 0 && offset >= 0 && offset < 4096;
    }

    private static boolean accepted(int offset, int size) {
        try {
            Access.check(offset, size);
            return true;
        } catch (ConfigAccessException e) {
            return false;
        }
    }

    @Test
    void acceptsExactlyAlignedAccessesOfOneTwoOrFourBytesBelow4096() {
        int[] sizes = {Integer.MIN_VALUE, -4, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33, 34, 36, 65, 66, 68, Integer.MAX_VALUE};
        int[] offsets = {Integer.MIN_VALUE, -4096, -4, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0x100, 0xffc, 0xffd, 0xffe, 0xfff,
                0x1000, 0x1001, 0x1004, 0x10000, Integer.MAX_VALUE - 3, Integer.MAX_VALUE};
        for (int size : sizes) {
            for (int offset : offsets) {
                assertEquals(valid(offset, size), accepted(offset, size), "offset " + offset + ", size " + size);
            }
        }
        for (int offset = -8; offset < 4104; offset++) {
            for (int size = -1; size <= 9; size++) assertEquals(valid(offset, size), accepted(offset, size), "offset " + offset + ", size " + size);
        }
    }

    @Test
    void aRefusalStillSaysWhy() {
        assertEquals("bad config access at offset 0x0 size 36: size must be 1, 2 or 4",
                assertThrows(ConfigAccessException.class, () -> Access.check(0, 36)).getMessage());
        assertEquals("bad config access at offset 0x2 size 4: offset not aligned to the size",
                assertThrows(ConfigAccessException.class, () -> Access.check(2, 4)).getMessage());
        assertEquals("bad config access at offset 0x1000 size 1: offset beyond 0xfff",
                assertThrows(ConfigAccessException.class, () -> Access.check(0x1000, 1)).getMessage());
        assertEquals("bad config access at offset 0xfffffffc size 4: negative offset",
                assertThrows(ConfigAccessException.class, () -> Access.check(-4, 4)).getMessage());
    }
}
