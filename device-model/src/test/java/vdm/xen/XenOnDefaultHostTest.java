package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.pci.Sbdf;

/** The hypervisor on the built-in default host: every function trapped for a PVH dom0, the MADT's IO-APICs mirrored. */
class XenOnDefaultHostTest {
    @Test
    void aPvhDom0TrapsEveryFunctionAndMirrorsBothIoApics() {
        Host host = DefaultHost.build();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 2);
        for (var f : host.functions()) assertTrue(dom0.vpci(f.sbdf()) != null, () -> "no vPCI for " + f.sbdf());
        assertEquals(2, xen.dom0VioApics().size());
        assertEquals(56, xen.routing().gsiLimit());
        assertEquals(9, xen.physdev().setupGsi(dom0, 9, 1, 1), "the SCI");
        Sbdf nvme = DefaultHost.NVME;
        int busDevfn = nvme.bus() << 8 | nvme.devfn();
        assertEquals(host.read(nvme, 0, 4), xen.configRead(dom0.vcpu(0), busDevfn, 0, 4), "behind the root port too");
        assertEquals(0, xen.physdev().setupGsi(dom0, 28, 1, 1));
        assertEquals(-Errno.EEXIST, xen.physdev().setupGsi(dom0, 28, 1, 1));
    }
}
