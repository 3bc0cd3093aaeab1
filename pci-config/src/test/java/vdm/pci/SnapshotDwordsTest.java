package vdm.pci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;

/** A space's dwords come out as it reads, go back in as the device would put them, and compare, on every engine. */
class SnapshotDwordsTest {
    @ParameterizedTest
    @EnumSource(Engine.class)
    void dwordsRestoreExactlyAndHardWiredBitsStay(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000e"));
        cs.write(0x04, 2, 0x0006);
        cs.write(0x10, 4, 0xfebc0000);
        int[] saved = cs.dwords();
        assertEquals(cs.size() / 4, saved.length);
        for (int d = 0; d < saved.length; d++) assertEquals(cs.read(4 * d, 4), saved[d], "dword " + d);
        assertTrue(cs.holds(saved));

        cs.write(0x04, 2, 0x0000);
        cs.write(0x10, 4, 0xfe000000);
        cs.poke(0x100, 4, 0x1);
        assertFalse(cs.holds(saved));
        cs.restoreDwords(saved);
        assertArrayEquals(saved, cs.dwords());
        assertTrue(cs.holds(saved));

        int[] forged = saved.clone();
        forged[0] = 0x12345678; // vendor and device IDs are hard-wired
        cs.restoreDwords(forged);
        assertEquals(saved[0], cs.read(0x00, 4), "a restore cannot change hard-wired bits");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void dwordsOfTheWrongLengthAreRefusedAndChangeNothing(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        int[] before = cs.dwords();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cs.restoreDwords(new int[3]));
        assertEquals("config space of 256 bytes needs 64 dwords, got 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cs.restoreDwords(null));
        assertArrayEquals(before, cs.dwords());
    }
}
