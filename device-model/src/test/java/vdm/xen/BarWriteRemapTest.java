package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;

/**
 * bar-write-remap (Xen gitlab issue #197, open): dom0 repositions a mapped 32-bit BAR as Linux's pci_std_update_resource
 * does, decoding left on. Upstream's bar_write ignores the write; with the switch the mapping moves with the BAR.
 */
class BarWriteRemapTest {
    private static final Sbdf NIC = Sbdf.parse("0000:00:03.0");

    private static int ecam(int reg) {
        return NIC.bus() << 20 | NIC.devfn() << 12 | reg;
    }

    private static Xen decodingDom0(TestBus bus, XenConfig config) {
        Xen xen = new Xen(config, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        xen.ecamWrite(dom0.vcpu(0), ecam(0x10), 4, 0xfebc0000);
        xen.ecamWrite(dom0.vcpu(0), ecam(0x04), 2, 0x0006);
        assertTrue(dom0.header(NIC).bar(0).enabled());
        return xen;
    }

    @Test
    void upstreamIgnoresTheWriteAndKeepsTheOldMapping() {
        TestBus bus = new TestBus().add(NIC.toString(), "e1000");
        Xen xen = decodingDom0(bus, XenConfig.UPSTREAM);
        Domain dom0 = xen.dom0();
        xen.ecamWrite(dom0.vcpu(0), ecam(0x10), 4, 0xfe000000);
        assertEquals(0xfebc0000, bus.space(NIC.toString()).read(0x10, 4));
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L));
        assertTrue(xen.log().contains("0000:00:03.0: ignored BAR 0 write while mapped"));
    }

    @Test
    void withTheSwitchTheBarMovesAndTheP2mMovesWithIt() {
        TestBus bus = new TestBus().add(NIC.toString(), "e1000");
        Xen xen = decodingDom0(bus, XenConfig.UPSTREAM.with(XenConfig.Switch.BAR_WRITE_REMAP, true));
        Domain dom0 = xen.dom0();
        xen.ecamWrite(dom0.vcpu(0), ecam(0x10), 4, 0xfe000000);
        assertEquals(0xfe000000, bus.space(NIC.toString()).read(0x10, 4), "the device has the new address");
        assertEquals(0xfe000000L, dom0.header(NIC).bar(0).address(), "and so has vPCI's cache");
        assertTrue(dom0.header(NIC).bar(0).enabled(), "still mapped");
        assertEquals(0xfe000000L, dom0.p2m().translate(0xfe000000L), "the new range is in dom0's p2m");
        assertEquals(0x0006, bus.space(NIC.toString()).read(0x04, 2), "decoding stayed on");
        assertFalse(xen.log().contains("ignored BAR"));
        assertEquals(1, dom0.p2m().ranges().size(), "the old range left the p2m: " + dom0.p2m().ranges());
    }
}
