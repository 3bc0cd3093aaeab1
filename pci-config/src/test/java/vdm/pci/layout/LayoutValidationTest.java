package vdm.pci.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import vdm.pci.cap.Aer;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.pci.cap.PciExpress;
import vdm.pci.cap.PowerManagement;
import vdm.pci.cap.VendorSpecific;

class LayoutValidationTest {
    private static void rejects(String expected, Supplier<Object> build) {
        LayoutException e = assertThrows(LayoutException.class, build::get);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    private static LayoutBuilder dev() {
        return Layout.type0("t").ids(0x1234, 0x5678);
    }

    @Test
    void barDeclarationsAreChecked() {
        rejects("not a power of two", () -> Bar.mem32(3000));
        rejects("I/O BAR size 2", () -> Bar.io(2));
        rejects("below 16 bytes", () -> Bar.mem32(8));
        rejects("BAR5: a 64-bit BAR may not take the last slot", () -> dev().bar(5, Bar.mem64(4096)));
        rejects("BAR1 is the upper half of 64-bit BAR0", () -> dev().bar(0, Bar.mem64(4096)).bar(1, Bar.io(16)));
        rejects("BAR0 is 64-bit but BAR1 is already declared", () -> dev().bar(1, Bar.io(16)).bar(0, Bar.mem64(4096)));
        rejects("BAR2 is declared twice", () -> dev().bar(2, Bar.io(16)).bar(2, Bar.io(16)));
        rejects("BAR6 does not exist", () -> dev().bar(6, Bar.io(16)));
        rejects("BAR2 does not exist in a type 1 header", () -> Layout.type1("b").bar(2, Bar.io(16)));
        rejects("ROM size 1000", () -> dev().rom(1000));
    }

    @Test
    void headerFieldsAreChecked() {
        rejects("vendor ID 0xffff", () -> Layout.type0("t").ids(0xffff, 1));
        rejects("vendor and device IDs are missing", () -> Layout.type0("t").build());
        rejects("interrupt pin 5", () -> dev().interruptPin(5));
        rejects("class code 0x1000000", () -> dev().classCode(0x1000000));
    }

    @Test
    void overlappingCapabilitiesNameBoth() {
        rejects("capability MSI (0x48..0x51) overlaps capability PM (0x44..0x4b)",
                () -> dev().capability(new PowerManagement().at(0x44)).capability(new Msi(1).at(0x48)).build());
        rejects("capability PM at 0x3c", () -> dev().capability(new PowerManagement().at(0x3c)).build());
        rejects("must be dword-aligned", () -> dev().capability(new PowerManagement().at(0x42)).build());
        rejects("needs a 4096-byte", () -> dev().capability(new Aer().at(0x100)).express(false).build());
        rejects("first extended capability (AER) must be at 0x100",
                () -> dev().capability(PciExpress.endpoint()).capability(new Aer().at(0x200)).build());
    }

    @Test
    void capabilityParametersAreChecked() {
        rejects("MSI vectors 3", () -> new Msi(3));
        rejects("MSI-X table size 0", () -> new MsiX(0, 0, 0, 0, 0));
        rejects("MSI-X PBA BIR 6", () -> new MsiX(4, 0, 0, 6, 0));
        rejects("MSI-X table offset 0x4 must be 8-byte aligned", () -> new MsiX(4, 0, 4, 0, 0));
        rejects("FLR is for endpoints", () -> PciExpress.rootPort(1).flr());
        rejects("outside its body", () -> new VendorSpecific(new byte[2]).writable(4, 4, -1));
    }

    @Test
    void capabilitiesAreAllocatedAndLinkedInDeclarationOrder() {
        Layout l = dev().capability(new PowerManagement()).capability(new Msi(4).address64().perVectorMask())
                .capability(new MsiX(8, 0, 0, 0, 0x800)).build();
        assertEquals(0x40, l.capabilities().get(0).offset());
        assertEquals(0x48, l.capabilities().get(1).offset());
        assertEquals(0x60, l.capabilities().get(2).offset());
        vdm.pci.engine.ConfigSpace cs = vdm.pci.engine.Engine.REFERENCE.create(l);
        assertEquals(0x40, cs.read(0x34, 1));
        assertEquals(0x4801, cs.read(0x40, 2));
        assertEquals(0x6005, cs.read(0x48, 2));
        assertEquals(0x0011, cs.read(0x60, 2));
        assertEquals(0x0010, cs.read(0x06, 2), "CAP_LIST set");
        assertEquals(0x0184, cs.read(0x4a, 2), "MSI: 4 vectors (MMC 2), 64-bit, per-vector mask");
    }

    @Test
    void aFailedBuildLeavesTheBuilderUsable() {
        LayoutBuilder b = dev().capability(new PowerManagement().at(0x44)).capability(new Msi(1).at(0x48));
        assertThrows(LayoutException.class, b::build);
        assertThrows(LayoutException.class, b::build, "the same error again, nothing half-built");
    }
}
