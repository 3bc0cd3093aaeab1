package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.pci.Mode;
import vdm.pci.Sbdf;
import vdm.pci.cap.PciExpress;

/**
 * The host tells a catalog device where it sits. In QEMU-compatible mode that shows: QEMU 7.2's e1000e reads
 * 0x0091a010 at 0xe0 on q35's root bus (a Root Complex Integrated Endpoint, pcie_endpoint_cap_common_init) and
 * 0x0001a010 behind a pcie-root-port (read through qtest). Hardware devices keep their wired type anywhere.
 */
class CatalogPlacementTest {
    private static final FunctionSource QEMU_E1000E = new FunctionSource.Catalog("e1000e", Mode.QEMU_COMPAT);

    private static int expressFlags(Host host, Sbdf sbdf) {
        PhysicalFunction f = host.require(sbdf);
        int cap = f.layout().capability(PciExpress.ID, false).offset();
        return host.read(sbdf, cap, 4);
    }

    /** WideHost's topology (a root bus on segments 0 and 1, a root port with bus 1) with QEMU-compatible NICs. */
    private static Host qemuCompatHost() {
        return Host.builder().rootBridge(0).rootBridge(1, 0)
                .ioApic(0, 0xfec0_0000L, 0, 24)
                .bridge(BridgeDescriptor.of(WideHost.ROOT_PORT, new FunctionSource.Catalog("pcie-root-port"), 1, 1))
                .device(WideHost.NIC.toString(), QEMU_E1000E)
                .device(WideHost.SECOND_FUNCTION.toString(), QEMU_E1000E)
                .device(WideHost.SEGMENT1_NIC.toString(), QEMU_E1000E)
                .prt(0, 1, IntxPin.A, 17).prt(0, 2, IntxPin.A, 16).prt(1, 0, IntxPin.A, 20).prt(1, 0, 2, IntxPin.A, 21)
                .build().enumerate();
    }

    @Test
    void aQemuCompatibleEndpointOnARootBusIsIntegratedAndBehindARootPortIsNot() {
        Host host = qemuCompatHost();
        assertEquals(0x0091a010, expressFlags(host, WideHost.NIC));
        assertEquals(0x0091a010, expressFlags(host, WideHost.SEGMENT1_NIC), "segment 1's bus 0 is a root bus too");
        assertEquals(0x0001a010, expressFlags(host, WideHost.SECOND_FUNCTION));
    }

    @Test
    void hardwareCatalogDevicesReadTheSameOnTheRootBusAndBehindARootPort() {
        Host wide = WideHost.build();
        assertEquals(0x0001a010, expressFlags(wide, WideHost.NIC));
        assertEquals(0x0001a010, expressFlags(wide, WideHost.SECOND_FUNCTION));
        Host def = DefaultHost.build();
        for (PhysicalFunction f : def.functions()) {
            if (f.source() instanceof FunctionSource.Catalog c && c.name().equals("e1000e")) {
                assertEquals(0x0001a010, expressFlags(def, f.sbdf()), f.sbdf().toString());
            }
        }
    }

    @Test
    void aPlacementTheCatalogCannotModelIsRefusedNamingTheFunction() {
        var e = assertThrows(HostDescriptionException.class, () -> Host.builder().rootBridge(0)
                .ioApic(0, 0xfec0_0000L, 0, 24)
                .bridge(BridgeDescriptor.of(WideHost.ROOT_PORT, new FunctionSource.Catalog("pcie-root-port"), 1, 1))
                .device("01:00.0", new FunctionSource.Catalog("virtio-net-pci", Mode.QEMU_COMPAT)).describe());
        assertTrue(e.getMessage().contains("01:00.0") && e.getMessage().contains("virtio-net-pci below a root port"), e.getMessage());
    }

    @Test
    void aCatalogDeviceIsHardwareUnlessToldOtherwise() {
        assertEquals(Mode.HARDWARE, new FunctionSource.Catalog("e1000e").mode());
        assertEquals(new FunctionSource.Catalog("e1000e", Mode.HARDWARE), new FunctionSource.Catalog("e1000e"));
    }
}
