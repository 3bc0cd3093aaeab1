package vdm.pci.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;

class CompiledClassTest {
    @Test
    void devicesOfOneLayoutShareOneHiddenEffectsClass() {
        Layout l = DeviceCatalog.layout("e1000e");
        CompiledConfigSpace a = CompiledConfigSpace.of(l), b = CompiledConfigSpace.of(l);
        assertEquals(a.effectsClass(), b.effectsClass());
        assertTrue(a.effectsClass().isHidden());
        a.write(0x10, 4, 0xfe000000);
        assertEquals(0, b.read(0x10, 4), "state is per device");
    }

    @Test
    void layoutsThatBehaveAlikeShareTheClassWhateverTheirIds() {
        Layout one = Layout.type0("one").ids(0x1111, 1).bar(0, Bar.mem32(4096)).build();
        Layout two = Layout.type0("two").ids(0x2222, 2).classCode(0x020000).bar(0, Bar.mem32(4096)).build();
        Layout other = Layout.type0("three").ids(0x3333, 3).bar(0, Bar.mem32(8192)).build();
        assertEquals(CompiledConfigSpace.of(one).effectsClass(), CompiledConfigSpace.of(two).effectsClass());
        assertNotEquals(CompiledConfigSpace.of(one).effectsClass(), CompiledConfigSpace.of(other).effectsClass());
        assertEquals(0x2222, CompiledConfigSpace.of(two).read(0, 2));
    }

    @Test
    void aFullyScratchPcieSpaceCompilesBelowTheJitsHugeMethodLimit() throws Exception {
        // QEMU-compatible e1000e has ~1000 writable dwords; equal case bodies are shared so the method stays small.
        Layout l = DeviceCatalog.layout("e1000e", Mode.QEMU_COMPAT);
        Class<?> c = CompiledConfigSpace.of(l).effectsClass();
        assertTrue(c.isHidden());
        assertEquals(0xdeadbeef, roundTrip(CompiledConfigSpace.of(l), 0xffc, 0xdeadbeef));
    }

    @Test
    void everyLayoutRunsOnOneFinalClassSoCallSitesStayMonomorphic() {
        // the assembled model's call sites reach devices of many layouts; they must see one receiver type
        Layout nic = DeviceCatalog.layout("e1000e");
        Layout bridge = Layout.type1("bridge").ids(0x8086, 0x1234).build();
        assertEquals(CompiledConfigSpace.class, CompiledConfigSpace.of(nic).getClass());
        assertEquals(CompiledConfigSpace.class, CompiledConfigSpace.of(bridge).getClass());
        assertTrue(java.lang.reflect.Modifier.isFinal(CompiledConfigSpace.class.getModifiers()));
        assertNotEquals(CompiledConfigSpace.of(nic).effectsClass(), CompiledConfigSpace.of(bridge).effectsClass());
    }

    private static int roundTrip(CompiledConfigSpace cs, int offset, int value) {
        cs.write(offset, 4, value);
        return cs.read(offset, 4);
    }
}
