package vdm.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;

/** The BAR sizing values read live from QEMU 7.2 (qtest) for the catalog devices. */
class BarSizingTest {
    private static int size(ConfigSpace cs, int offset) {
        int saved = cs.read(offset, 4);
        cs.write(offset, 4, 0xffffffff);
        int probed = cs.read(offset, 4);
        cs.write(offset, 4, saved);
        assertEquals(saved, cs.read(offset, 4), "restore after sizing");
        return probed;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void e1000MemoryIoAndRomSizeLikeQemu(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        assertEquals(0xfffe0000, size(cs, 0x10)); // 128 KiB memory
        assertEquals(0xffffffc1, size(cs, 0x14)); // 64 B I/O
        assertEquals(0xfffc0001, size(cs, 0x30)); // 256 KiB ROM, enable bit writable
        for (int off = 0x18; off <= 0x24; off += 4) assertEquals(0, size(cs, off), "unimplemented BAR at " + off);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void virtio64BitPrefetchableBarSizesAcrossBothDwords(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("virtio-net-pci"));
        assertEquals(0x0000000c, cs.read(0x20, 4));
        assertEquals(0xffffc00c, size(cs, 0x20));
        assertEquals(0xffffffff, size(cs, 0x24));
        assertEquals(0xffffffe1, size(cs, 0x10)); // 32 B I/O
        assertEquals(0xfffff000, size(cs, 0x14)); // 4 KiB
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void gpu256MiBBarLeavesTheUpperDwordFullyWritable(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("gpu"));
        assertEquals(0xf000000c, size(cs, 0x14));
        assertEquals(0xffffffff, size(cs, 0x18));
        cs.write(0x14, 4, 0x12345678);
        cs.write(0x18, 4, 0x00000040);
        assertEquals(0x1000000c, cs.read(0x14, 4));
        assertEquals(0x40, cs.read(0x18, 4));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void partialWritesOfABarKeepTheTypeBits(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        cs.write(0x16, 2, 0xfebc);
        cs.write(0x14, 1, 0xff);
        assertEquals(0xfebc00c1, cs.read(0x14, 4));
        int eff = cs.write(0x17, 1, 0x12);
        assertEquals(Effects.bar(1), eff);
    }
}
