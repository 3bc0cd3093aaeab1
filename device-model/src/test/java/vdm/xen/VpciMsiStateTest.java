package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;

/** A capture of a device's vPCI MSI/MSI-X state puts Xen's copies back exactly, and refuses a device it does not fit. */
class VpciMsiStateTest {
    static final Sbdf NVME = Sbdf.parse("0000:00:04.0"), GPU = Sbdf.parse("0000:00:02.0");

    @Test
    void aCapturedTableComesBackWithItsLatchesAndMasks() {
        TestBus bus = new TestBus().add(NVME.toString(), "nvme").add(GPU.toString(), "gpu");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        VpciMsixTest.decode(xen, v, VpciMsixTest.NVME_BAR);
        long e3 = VpciMsixTest.NVME_BAR + 0x2000 + 3 * 16;
        xen.mmioWrite(v, e3, 8, 0xfee0_1000L);
        xen.mmioWrite(v, e3 + 8, 4, 0x77);
        xen.mmioWrite(v, e3 + 12, 4, 0);
        Header h = dom0.header(NVME);
        VpciMsiState saved = VpciMsiState.of(h);
        assertNull(saved.msi(), "the nvme has no MSI");
        assertEquals(new VpciMsiState.Entry(0xfee0_1000L, 0x77, false, true, -1), saved.msix().entries().get(3));
        xen.mmioWrite(v, e3 + 8, 4, 0x99);
        xen.mmioWrite(v, e3 + 12, 4, 1);
        saved.restoreInto(h);
        assertEquals(saved, VpciMsiState.of(h));
        assertEquals(0x77, xen.mmioRead(v, e3 + 8, 4));
        assertEquals(0, xen.mmioRead(v, e3 + 12, 4));
        VpciMsiState gpu = VpciMsiState.of(dom0.header(GPU));
        assertThrows(IllegalArgumentException.class, () -> gpu.restoreInto(h), "MSI state onto an MSI-X-only device");
    }
}
