package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.pci.ResetKind;

/** The device-model example of README.md, step by step, with what it claims. */
class ReadmeExampleTest {
    @Test
    void theStaleCacheExampleBehavesAsReadmeSays() {
        Host host = DefaultHost.build();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 2);
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, 0x03 << 15 | 0x10, 4, 0xfebc0000);
        xen.ecamWrite(v, 0x03 << 15 | 0x04, 2, 0x0006);
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L));
        host.reset(DefaultHost.NIC, ResetKind.FLR);
        xen.ecamWrite(v, 0x03 << 15 | 0x10, 4, 0xfe000000);
        assertEquals(0, host.read(DefaultHost.NIC, 0x10, 4));
        assertTrue(xen.log().dmesg().contains("d0v0 0000:00:03.0: ignored BAR 0 write while mapped"), xen.log().dmesg());
        assertEquals(0, xen.physdev().pciDeviceReset(dom0, DefaultHost.NIC, PhysdevOps.RESET_FLR));
        xen.ecamWrite(v, 0x03 << 15 | 0x10, 4, 0xfe000000);
        assertEquals(0xfe000000, host.read(DefaultHost.NIC, 0x10, 4));
    }
}
