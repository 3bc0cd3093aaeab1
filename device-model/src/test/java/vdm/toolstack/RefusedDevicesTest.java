package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.Vdm;
import vdm.errno.Errno;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;

/**
 * The functions upstream will not pass through, refused with upstream's errors and leaving everything as it was:
 * pciback takes any type 0 or 1 header (pcistub_probe), VT-d refuses a host bridge to a guest
 * (domain_context_mapping: -EPERM), and QEMU's xen_pt refuses every PCI Express port or bridge
 * (xen_pt_pcie_size_init). The devices are found on each test host by their config space.
 */
class RefusedDevicesTest {
    private static final int SLOT = 5;

    /** Class 06 00, as Xen's pdev_type recognises a host bridge. */
    static Stream<Arguments> hostBridges() {
        return functions(f -> (f.read(ConfigRegisters.CLASS_REVISION, 4) >>> 16) == 0x0600);
    }

    /** Type 1 headers with a PCI Express capability whose device/port type is a port or bridge (4 to 8). */
    static Stream<Arguments> pciePorts() {
        return functions(f -> (f.read(ConfigRegisters.HEADER_TYPE, 1) & 0x7f) == 1 && pcieType(f) >= 4 && pcieType(f) <= 8);
    }

    private static Stream<Arguments> functions(java.util.function.Predicate<PhysicalFunction> which) {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) {
            Host host = Host.create(h.description()).enumerate();
            for (PhysicalFunction f : host.functions()) if (which.test(f)) out.add(Arguments.of(h, f.sbdf(), pcieType(f)));
        }
        return out.stream();
    }

    /** The PCI Express capability's device/port type, read by walking the list as lspci would; -1 without one. */
    private static int pcieType(PhysicalFunction f) {
        if ((f.read(ConfigRegisters.STATUS, 2) & 0x10) == 0) return -1;
        for (int pos = f.read(0x34, 1) & 0xfc; pos >= 0x40; pos = f.read(pos + 1, 1) & 0xfc) {
            if (f.read(pos, 1) == 0x10) return (f.read(pos + 2, 1) >>> 4) & 0xf;
        }
        return -1;
    }

    @Test
    void theTestHostsHaveAHostBridgeAndPortsToRefuse() {
        assertEquals(2, hostBridges().count(), "one per host");
        assertEquals(3, pciePorts().count(), "00:1c.0 on the default host, 00:01.0 and 00:1c.0 on the wide one");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hostBridges")
    void aHostBridgeIsHeldByPcibackButXenRefusesItToAGuestAndTheAttachChangesNothing(TestHost h, Sbdf bridge, int type) {
        Vdm vdm = h.builder().preset(Preset.UPSTREAM).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(bridge), "pcistub_probe takes a type 0 header; basic quarantine passes");
        int d = vdm.libxl().domainCreate(1);
        String before = SystemState.of(vdm);
        AttachResult r = vdm.libxl().pciAttach(d, bridge, SLOT);
        assertEquals(-Errno.EPERM, r.rc());
        assertEquals("assign_device", r.step());
        assertEquals("Domain " + d + ":xc_assign_device failed: Operation not permitted", r.message());
        assertTrue(vdm.libxl().log().contains(ToolstackLog.Source.LIBXL, r.message()));
        assertTrue(vdm.xen().log().contains("d" + d + ": assign (" + bridge + ") failed (-1)"), vdm.xen().log().dmesg());
        assertEquals(before, SystemState.of(vdm));
        assertNull(vdm.libxl().device(bridge));
        assertNull(vdm.xen().assignedTo(bridge));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pciePorts")
    void qemuRefusesAPciePortAtRealizeAndLibxlUndoesTheAttach(TestHost h, Sbdf port, int type) {
        Vdm vdm = h.builder().preset(Preset.UPSTREAM).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(port), "pcistub_probe takes a bridge (type 1) header");
        int d = vdm.libxl().domainCreate(1);
        String before = SystemState.of(vdm);
        AttachResult r = vdm.libxl().pciAttach(d, port, SLOT);
        assertEquals(-Errno.EOPNOTSUPP, r.rc());
        assertEquals("device_add", r.step());
        assertEquals("Domain " + d + ":Failed to initialize 11/15, type = 0x1, rc: -1", r.message());
        assertTrue(vdm.libxl().log().contains(ToolstackLog.Source.QEMU,
                "[00:05.0] xen_pt_pcie_size_init: Error: Unsupported device/port type 0x" + type + "."));
        assertTrue(vdm.libxl().log().contains(ToolstackLog.Source.LIBXL, r.message()));
        // VT-d gives a bridge no context and refuses nothing: the refusal is QEMU's, and its undo returns the port.
        assertFalse(vdm.xen().log().contains("assign ("));
        assertEquals(before, SystemState.of(vdm));
        assertNull(vdm.libxl().device(port));
        assertNull(vdm.xen().assignedTo(port));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pciePorts")
    void theExplorersDiagnosticAttachReportsQemusRefusalOnce(TestHost h, Sbdf port, int type) {
        Vdm vdm = h.builder().preset(Preset.UPSTREAM).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(port));
        int d = vdm.libxl().domainCreate(1);
        String before = SystemState.of(vdm);
        List<AttachResult> failures = vdm.libxl().pciAttachDiagnostic(d, port, SLOT);
        assertEquals(1, failures.size(), failures.toString());
        assertEquals("device_add", failures.getFirst().step());
        assertEquals(before, SystemState.of(vdm));
    }

    @Test
    void pciAssignableAddOfADeviceAGuestHoldsFailsToQuarantineAndChangesNothing() {
        // libxl__device_pci_assignable_add goes on to xc_assign_device(DOMID_IO) when pciback already has the
        // device; device_assigned answers -EBUSY for a device a domU holds.
        for (TestHost h : TestHost.values()) {
            Vdm vdm = h.builder().preset(Preset.UPSTREAM).build();
            Sbdf nic = h.endpoints().getFirst();
            assertEquals(0, vdm.libxl().pciAssignableAdd(nic));
            assertEquals(0, vdm.libxl().pciAssignableAdd(nic), "already with pciback and quarantined: succeeds again");
            int d = vdm.libxl().domainCreate(1);
            assertTrue(vdm.libxl().pciAttach(d, nic, SLOT).ok());
            String before = SystemState.of(vdm);
            assertEquals(-Errno.EBUSY, vdm.libxl().pciAssignableAdd(nic));
            assertTrue(vdm.libxl().log().contains(ToolstackLog.Source.LIBXL, "failed to quarantine " + nic));
            assertEquals(before, SystemState.of(vdm));
        }
    }

    @Test
    void anEndpointStillAttachesOnTheDefaultHost() {
        // The refusals are by type: the NIC, a type 0 header that is no host bridge and has no PCIe port type, attaches.
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC));
        assertTrue(vdm.libxl().pciAttach(vdm.libxl().domainCreate(1), DefaultHost.NIC, SLOT).ok());
    }
}
