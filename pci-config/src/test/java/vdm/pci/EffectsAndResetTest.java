package vdm.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;

class EffectsAndResetTest {
    @ParameterizedTest
    @EnumSource(Engine.class)
    void writesReportWhatTheyChangedAndNothingWhenNothingChanged(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        assertEquals(Effects.COMMAND_MEMORY, cs.write(0x04, 2, 0x0002));
        assertEquals(0, cs.write(0x04, 2, 0x0002), "same value again");
        assertEquals(Effects.COMMAND_MEMORY | Effects.COMMAND_IO, cs.write(0x04, 2, 0x0001));
        assertEquals(Effects.COMMAND_MASTER | Effects.COMMAND_INTX_DISABLE | Effects.COMMAND_OTHER, cs.write(0x04, 2, 0x0505));
        assertEquals(0, cs.write(0x00, 4, 0x12345678), "IDs are read-only");
        assertEquals(Effects.bar(0), cs.write(0x10, 4, 0xfebc0000));
        assertEquals(Effects.ROM, cs.write(0x30, 4, 0xfeb80001));
        assertEquals(Effects.OTHER, cs.write(0x3c, 1, 11));
        assertEquals("BAR0|COMMAND_MEMORY", Effects.describe(Effects.bar(0) | Effects.COMMAND_MEMORY));
        assertTrue(Effects.mappingChanged(Effects.COMMAND_MEMORY));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void statusErrorBitsAreWriteOneToClear(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        cs.poke(0x06, 2, 0xf900 | 0x0008); // the device signals errors and INTx
        assertEquals(0xf908, cs.read(0x06, 2));
        assertEquals(0, cs.write(0x06, 2, 0x0000), "writing zeros clears nothing");
        assertEquals(Effects.STATUS_CLEARED, cs.write(0x06, 2, 0x2000));
        assertEquals(0xd908, cs.read(0x06, 2));
        cs.write(0x04, 4, 0xffff0000); // a dword write that clears every error bit, COMMAND 0
        assertEquals(0x0008, cs.read(0x06, 2));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void capabilityControlsReportTheirEffects(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000e"));
        assertEquals(Effects.MSI_ENABLE, cs.write(0xd2, 2, 0x0001));
        assertEquals(Effects.MSI_MESSAGE, cs.write(0xd4, 4, 0xfee00000));
        assertEquals(0xfee00000, cs.read(0xd4, 4));
        assertEquals(Effects.MSIX_ENABLE | Effects.MSIX_FUNCTION_MASK, cs.write(0xa2, 2, 0xffff));
        assertEquals(0xc004, cs.read(0xa2, 2), "only bits 15:14 of MSI-X control are writable");
        assertEquals(Effects.POWER_STATE, cs.write(0xcc, 2, 0x0003));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void initiateFlrIsATriggerThatReadsZero(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("gpu"));
        int devctl = 0x80 + 8;
        int before = cs.read(devctl, 2);
        int eff = cs.write(devctl, 2, 0x8000 | before);
        assertEquals(Effects.FLR, eff);
        assertEquals(before, cs.read(devctl, 2));
        assertEquals(0x10000000, cs.read(0x84, 4) & 0x10000000, "FLR capable in Device Capabilities");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void flrReturnsThePowerOnStateButKeepsStickyBits(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("gpu"));
        byte[] powerOn = cs.bytes();
        cs.write(0x04, 2, 0x0507);
        cs.write(0x10, 4, 0xf2000000);
        cs.write(0x14, 4, 0xe0000000);
        cs.write(0x18, 4, 0x1);
        cs.write(0x0c, 1, 0x10);
        cs.write(0x3c, 1, 0x0b);
        cs.write(0x6a, 2, 0x0001); // MSI enable
        cs.write(0x108, 4, 0x00000010); // AER uncorrectable mask (sticky)
        cs.poke(0x104, 4, 0x00001000); // AER uncorrectable status (sticky, w1c)
        cs.reset(ResetKind.FLR);
        assertEquals(0, cs.read(0x04, 2));
        assertEquals(0, cs.read(0x10, 4));
        assertEquals(0x0000000c, cs.read(0x14, 4));
        assertEquals(0, cs.read(0x18, 4));
        assertEquals(0, cs.read(0x0c, 1));
        assertEquals(0, cs.read(0x3c, 1));
        assertEquals(0, cs.read(0x6a, 2) & 1);
        assertEquals(0x10, cs.read(0x108, 4), "sticky mask survives FLR");
        assertEquals(0x1000, cs.read(0x104, 4), "sticky status survives FLR");
        cs.reset(ResetKind.COLD);
        assertEquals(java.util.HexFormat.of().formatHex(powerOn), java.util.HexFormat.of().formatHex(cs.bytes()));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void d3hotToD0HonoursNoSoftReset(Engine engine) {
        ConfigSpace nvme = engine.create(DeviceCatalog.layout("nvme"));
        nvme.write(0x10, 4, 0xfe000000);
        nvme.reset(ResetKind.D3HOT_TO_D0);
        assertEquals(0xfe000004, nvme.read(0x10, 4), "No_Soft_Reset set: configuration kept");
        ConfigSpace gpu = engine.create(DeviceCatalog.layout("gpu"));
        gpu.write(0x10, 4, 0xf2000000);
        gpu.reset(ResetKind.D3HOT_TO_D0);
        assertEquals(0, gpu.read(0x10, 4), "No_Soft_Reset clear: internal reset");
        gpu.write(0x10, 4, 0xf2000000);
        gpu.reset(ResetKind.SECONDARY_BUS);
        assertEquals(0, gpu.read(0x10, 4));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void pokeNeverChangesHardWiredBits(Engine engine) {
        ConfigSpace cs = engine.create(DeviceCatalog.layout("e1000"));
        cs.poke(0x00, 4, 0);
        assertEquals(0x100e8086, cs.read(0, 4));
        cs.poke(0x10, 4, 0xffffffff);
        assertEquals(0xfffe0000, cs.read(0x10, 4), "type bits stay, address bits set by the device");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void qemuCompatModeMakesUnclaimedBytesScratch(Engine engine) {
        ConfigSpace hw = engine.create(DeviceCatalog.layout("e1000", Mode.HARDWARE));
        ConfigSpace q = engine.create(DeviceCatalog.layout("e1000", Mode.QEMU_COMPAT));
        assertEquals(0, hw.write(0x40, 4, 0xdeadbeef));
        assertEquals(0, hw.read(0x40, 4));
        assertEquals(Effects.OTHER, q.write(0x40, 4, 0xdeadbeef));
        assertEquals(0xdeadbeef, q.read(0x40, 4));
        assertEquals(0, q.write(0x38, 4, 0xffffffff), "header reserved bytes stay read-only");
        ConfigSpace e = engine.create(DeviceCatalog.layout("e1000e", Mode.QEMU_COMPAT));
        e.write(0xdc, 4, 0xffffffff); // MSI data (2 bytes) then scratch past the 14-byte capability
        assertEquals(0xffffffff, e.read(0xdc, 4));
        e.write(0xc8, 4, 0xffffffff);
        assertEquals(0x0022d001, e.read(0xc8, 4), "capability header and PMC stay read-only");
    }
}
