package vdm.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;

class ConfigAccessTest {
    @ParameterizedTest
    @EnumSource(Engine.class)
    void badSizeMisalignmentAndRangeAreTypedErrorsNamingOffsetAndSize(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        int[][] bad = {{0, 3}, {0, 0}, {0, 8}, {1, 2}, {2, 4}, {3, 4}, {-4, 4}, {4096, 4}, {0x1000, 1}, {-1, 1}};
        for (int[] b : bad) {
            ConfigAccessException r = assertThrows(ConfigAccessException.class, () -> cs.read(b[0], b[1]));
            assertTrue(r.getMessage().contains(String.format("0x%x", b[0])) && r.getMessage().contains("size " + b[1]), r.getMessage());
            assertEquals(b[0], r.offset());
            assertEquals(b[1], r.size());
            assertThrows(ConfigAccessException.class, () -> cs.write(b[0], b[1], 0));
            assertThrows(ConfigAccessException.class, () -> cs.poke(b[0], b[1], 0));
        }
        assertTrue(assertThrows(ConfigAccessException.class, () -> cs.read(2, 4)).getMessage().contains("aligned"));
        assertTrue(assertThrows(ConfigAccessException.class, () -> cs.read(0, 3)).getMessage().contains("1, 2 or 4"));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void beyondAConventionalDeviceReadsAllOnesAndDropsWrites(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        byte[] before = cs.bytes();
        assertEquals(256, cs.size());
        assertEquals(0xffffffff, cs.read(0x100, 4));
        assertEquals(0xffff, cs.read(0xffe, 2));
        assertEquals(0xff, cs.read(0x4ff, 1));
        assertEquals(0, cs.write(0x100, 4, 0));
        assertTrue(Arrays.equals(before, cs.bytes()));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void readsAreLittleEndianAndZeroExtended(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        assertEquals(0x100e8086, cs.read(0, 4));
        assertEquals(0x8086, cs.read(0, 2));
        assertEquals(0x100e, cs.read(2, 2));
        assertEquals(0x86, cs.read(0, 1));
        assertEquals(0x10, cs.read(3, 1));
        assertEquals(0x02000003, cs.read(8, 4));
        assertEquals(0x11001af4, cs.read(0x2c, 4));
        assertEquals(0x00000100, cs.read(0x3c, 4)); // INTA
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void pciExpressDevicesHave4096Bytes(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000e"));
        assertEquals(4096, cs.size());
        assertEquals(0x14020001, cs.read(0x100, 4)); // AER v2, next 0x140
        assertEquals(0x00010003, cs.read(0x140, 4)); // DSN v1, end of list
        assertEquals(0, cs.read(0xffc, 4));
    }
}
