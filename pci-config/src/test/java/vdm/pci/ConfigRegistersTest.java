package vdm.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;

/** The named header registers agree with the layouts and the engines that implement them. */
class ConfigRegistersTest {
    @Test
    void barNIsFourBytesAfterBarNMinusOneFromBar0() {
        for (int n = 0; n < ConfigRegisters.STD_NUM_BARS; n++) assertEquals(0x10 + 4 * n, ConfigRegisters.bar(n));
    }

    @Test
    void aBarOutsideTheHeaderIsRefusedNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> ConfigRegisters.bar(6));
        assertEquals("BAR6: a header has BARs 0..5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigRegisters.bar(-1));
    }

    @Test
    void theRomRegisterIsWhereEachHeaderTypeHasIt() {
        assertEquals(ConfigRegisters.ROM, DeviceCatalog.layout("e1000").romOffset());
        assertEquals(ConfigRegisters.ROM_BRIDGE, DeviceCatalog.layout("pcie-root-port").romOffset());
    }

    @Test
    void vendorCommandClassAndPinReadWhatTheCatalogDeclares() {
        ConfigSpace cs = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        assertEquals(0x8086, cs.read(ConfigRegisters.VENDOR_ID, 2));
        assertEquals(0x0200, cs.read(ConfigRegisters.CLASS_REVISION, 4) >>> 16, "network controller, Ethernet");
        assertEquals(0, cs.read(ConfigRegisters.HEADER_TYPE, 1) & 0x7f, "type 0");
        assertEquals(1, cs.read(ConfigRegisters.INTERRUPT_PIN, 1), "INTA#");
        cs.write(ConfigRegisters.COMMAND, 2, ConfigRegisters.COMMAND_MEMORY | ConfigRegisters.COMMAND_MASTER);
        assertEquals(ConfigRegisters.COMMAND_MEMORY | ConfigRegisters.COMMAND_MASTER, cs.read(ConfigRegisters.COMMAND, 2));
    }
}
