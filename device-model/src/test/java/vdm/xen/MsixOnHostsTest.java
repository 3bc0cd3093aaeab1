package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.Vdm;
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;
import vdm.invariants.InvariantMonitor;
import vdm.model.Preset;

/**
 * The hardware domain's MSI-X on both test hosts once dom0 has booted (its kernel placed the BARs and turned
 * decoding on): every device's table and PBA pages are out of dom0's p2m and trap to Xen, the entries are Xen's, the
 * rest of those pages and the PBA are the device's BAR memory, and no invariant objects.
 */
class MsixOnHostsTest {
    private static List<Header> trapped(Vdm vdm) {
        return vdm.dom0().headers().stream().filter(Header::msixTrapped).filter(h -> h.msix().bar(VpciMsix.TABLE).enabled())
                .sorted(java.util.Comparator.comparing(Header::sbdf)).toList();
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void everyDecodedTableAndPbaPageTrapsToXen(TestHost t) {
        Vdm vdm = t.builder().preset(Preset.UPSTREAM).build();
        List<Header> devices = trapped(vdm);
        assertFalse(devices.isEmpty(), "dom0 booted with MSI-X devices decoding");
        Vcpu v = vdm.dom0().vcpu(0);
        for (Header h : devices) {
            VpciMsix m = h.msix();
            for (int nr = VpciMsix.TABLE; nr <= VpciMsix.PBA; nr++) {
                long at = m.address(nr);
                assertEquals(-1, vdm.dom0().p2m().translate(at), () -> h.sbdf() + " table/PBA page is mapped");
                assertTrue(vdm.dom0().msixTrap.claims(v, at), h.sbdf()::toString);
            }
        }
        assertEquals(List.of(), InvariantMonitor.check(vdm));
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void dom0sEntryWritesStayWithXenWhileThePbaAndNeighboursAreTheDevicesMemory(TestHost t) {
        Vdm vdm = t.builder().preset(Preset.UPSTREAM).build();
        Vcpu v = vdm.dom0().vcpu(0);
        for (Header h : trapped(vdm)) {
            VpciMsix m = h.msix();
            PhysicalFunction f = vdm.host().require(h.sbdf());
            long table = m.address(VpciMsix.TABLE);
            vdm.xen().mmioWrite(v, table, 4, 0xfee00000L);
            vdm.xen().mmioWrite(v, table + 8, 4, 0x31);
            assertEquals(0xfee00000L, vdm.xen().mmioRead(v, table, 4));
            assertEquals(0x31, vdm.xen().mmioRead(v, table + 8, 4));
            assertEquals(vdm.host().mmioRead(table + 8, 4) & 0xffffffffL, f.memRead(barOf(h, m), table + 8 - m.bar(VpciMsix.TABLE).address(), 4),
                    "the device's own entry is what Xen programs, not dom0's write");
            long pba = m.address(VpciMsix.PBA);
            assertEquals(vdm.host().mmioRead(pba, 8), vdm.xen().mmioRead(v, pba, 8), h.sbdf() + ": the PBA is read from the device");
            long neighbour = (table & ~0xfffL) + (table & 0xfff) + m.size(VpciMsix.TABLE);
            if (neighbour >>> 12 == table >>> 12 && !m.inRange(neighbour, VpciMsix.PBA)) {
                vdm.xen().mmioWrite(v, neighbour, 4, 0x1234);
                assertEquals(vdm.host().mmioRead(neighbour, 4), vdm.xen().mmioRead(v, neighbour, 4), h.sbdf() + ": adjacent");
            }
        }
    }

    private static int barOf(Header h, VpciMsix m) {
        return m.bar(VpciMsix.TABLE).index();
    }
}
