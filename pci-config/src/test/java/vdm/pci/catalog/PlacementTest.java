package vdm.pci.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.pci.Mode;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;
import vdm.pci.layout.LayoutException;

/**
 * The expected dwords are QEMU 7.2's, read through qtest on q35 (e1000e and nvme on pcie.0, e1000e behind a
 * pcie-root-port); the qtest comparison itself is {@code vdm.pci.QemuDifferentialTest}.
 */
class PlacementTest {
    private static int read(String device, Mode mode, Placement placement, int offset) {
        ConfigSpace cs = Engine.COMPILED.create(DeviceCatalog.layout(device, mode, placement));
        return cs.read(offset, 4);
    }

    @Test
    void qemuMakesAnEndpointOnTheRootBusARootComplexIntegratedEndpoint() {
        assertEquals(0x0091a010, read("e1000e", Mode.QEMU_COMPAT, Placement.ROOT_BUS, 0xe0), "PCIe v1, type 9");
        assertEquals(0x00926010, read("nvme", Mode.QEMU_COMPAT, Placement.ROOT_BUS, 0x80), "PCIe v2, type 9");
    }

    @Test
    void behindARootPortQemuKeepsAPlainEndpoint() {
        assertEquals(0x0001a010, read("e1000e", Mode.QEMU_COMPAT, Placement.ROOT_PORT, 0xe0));
        assertEquals(0x00026010, read("nvme", Mode.QEMU_COMPAT, Placement.ROOT_PORT, 0x80));
    }

    @Test
    void anIntegratedEndpointKeepsTheLinkRegistersQemuFills() {
        // pcie_cap_v1_fill writes LNKCAP and LNKSTA whatever the type: only the type bits differ.
        for (int off = 0xe4; off < 0xf4; off += 4) {
            assertEquals(read("e1000e", Mode.QEMU_COMPAT, Placement.ROOT_PORT, off),
                    read("e1000e", Mode.QEMU_COMPAT, Placement.ROOT_BUS, off), String.format("dword 0x%02x", off));
        }
        assertEquals(0x00000411, read("e1000e", Mode.QEMU_COMPAT, Placement.ROOT_BUS, 0xec), "link capabilities");
        assertEquals(0x00110000, read("e1000e", Mode.QEMU_COMPAT, Placement.ROOT_BUS, 0xf0), "link status x1 2.5 GT/s");
    }

    @ParameterizedTest
    @EnumSource(Placement.class)
    void hardwareKeepsItsWiredTypeWhereverItSits(Placement placement) {
        assertEquals(0x0001a010, read("e1000e", Mode.HARDWARE, placement, 0xe0));
        assertSame(DeviceCatalog.layout("e1000e"), DeviceCatalog.layout("e1000e", Mode.HARDWARE, Placement.ROOT_BUS));
    }

    @Test
    void theTwoArgumentLookUpIsTheRootBus() {
        assertSame(DeviceCatalog.layout("e1000e", Mode.QEMU_COMPAT, Placement.ROOT_BUS),
                DeviceCatalog.layout("e1000e", Mode.QEMU_COMPAT));
    }

    @Test
    void virtioNetBelowAPortIsRefusedInQemuCompatibleModeOnly() {
        LayoutException e = assertThrows(LayoutException.class,
                () -> DeviceCatalog.layout("virtio-net-pci", Mode.QEMU_COMPAT, Placement.ROOT_PORT));
        assertTrue(e.getMessage().contains("virtio-net-pci below a root port"), e.getMessage());
        assertEquals("virtio-net-pci", DeviceCatalog.layout("virtio-net-pci", Mode.HARDWARE, Placement.ROOT_PORT).name());
    }

    @Test
    void aMissingPlacementIsNamed() {
        LayoutException e = assertThrows(LayoutException.class, () -> DeviceCatalog.layout("e1000e", Mode.QEMU_COMPAT, null));
        assertEquals("placement is missing", e.getMessage());
    }
}
