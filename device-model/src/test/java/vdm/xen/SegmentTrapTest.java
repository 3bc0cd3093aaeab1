package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import vdm.host.Host;
import vdm.host.WideHost;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;

/** Xen traps config accesses on every segment (vpci_mmcfg_read/write per MCFG entry), not on segment 0 alone. */
class SegmentTrapTest {
    final Host host = WideHost.build();
    final Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
    final Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
    final Sbdf nic = WideHost.SEGMENT1_NIC;
    final int busDevfn = nic.bus() << 8 | nic.devfn();

    @Test
    void aPvhDom0HasAVpciForTheDeviceOnSegmentOneFoundByItsPackedSbdf() {
        assertNotNull(dom0.vpci(nic));
        assertSame(dom0.vpci(nic), dom0.vpci(nic.packed()));
        assertNull(dom0.vpci(Sbdf.parse("0000:00:05.0")), "no function there");
        assertNull(dom0.vpci(2 << 16 | busDevfn), "a segment the host lacks");
    }

    @Test
    void aTrappedWriteOnSegmentOneGoesThroughVpciAndMapsTheBarInDom0sP2m() {
        xen.configWrite(dom0.vcpu(0), 1, busDevfn, ConfigRegisters.bar(0), 4, 0xe100_0000);
        assertEquals(0xe100_0000L, dom0.header(nic).bar(0).address(), "vPCI's cache saw the BAR write");
        xen.configWrite(dom0.vcpu(0), 1, busDevfn, ConfigRegisters.COMMAND, 2, ConfigRegisters.COMMAND_MEMORY);
        assertEquals(0xe100_0000L, dom0.p2m().translate(0xe100_0000L), "modify_bars mapped it");
        assertEquals(host.read(nic, 0, 4), xen.configRead(dom0.vcpu(0), 1, busDevfn, 0, 4));
        assertEquals(host.read(nic, 0, 4), xen.ecamRead(dom0.vcpu(0), 1, busDevfn << 12, 4), "through segment 1's MMCFG");
    }

    @Test
    void theSegmentZeroEntryPointsStillReachSegmentZeroOnly() {
        Sbdf gpu = WideHost.GPU;
        int gpuBusDevfn = gpu.bus() << 8 | gpu.devfn();
        assertEquals(host.read(gpu, 0, 4), xen.configRead(dom0.vcpu(0), gpuBusDevfn, 0, 4));
        int segment0 = xen.configRead(dom0.vcpu(0), busDevfn, 0, 4);
        assertEquals(host.read(WideHost.NIC, 0, 4), segment0, "00:02.0 on segment 0 is the e1000e");
        assertNotEquals(host.read(nic, 0, 4), segment0, "not segment 1's e1000");
    }

    @Test
    void aSegmentOutOfRangeIsRefusedNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> xen.configRead(dom0.vcpu(0), 0x10000, 0, 0, 4));
        assertEquals("PCI segment 65536 is not 0..ffff", e.getMessage());
    }
}
