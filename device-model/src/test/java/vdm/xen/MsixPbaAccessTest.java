package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.host.Host;
import vdm.host.IntxPin;
import vdm.host.MsiOutcome;
import vdm.pci.Sbdf;

/**
 * Xen 7a502b4fbc ("vpci/msix: restore PBA access length and alignment restrictions"): the PBA, forwarded to the device
 * since b177892d2d, takes only aligned 4- and 8-byte accesses, as the table does (PCIe: "aligned full DWORD or
 * aligned full QWORD"); anything else reads all ones with access_allowed's warning and a write is dropped. The other
 * registers on the table's and PBA's pages keep any size and alignment (an unaligned access goes byte by byte).
 */
class MsixPbaAccessTest {
    static final Sbdf WIFI = Sbdf.parse("0000:00:14.3");
    static final long BAR = 0xfe40_0000L, PBA = BAR + 0x3000;

    private Host host;
    private Xen xen;
    private Vcpu v;

    private void boot() {
        host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device(WIFI.toString(), "ax201").prt(0, 0x14, IntxPin.A, 16).build();
        xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        v = dom0.vcpu(0);
        int ecam = WIFI.bus() << 20 | WIFI.devfn() << 12;
        xen.ecamWrite(v, ecam | 0x10, 4, (int) BAR);
        xen.ecamWrite(v, ecam | 0x14, 4, 0);
        xen.ecamWrite(v, ecam | 0x04, 2, 0x0006);
        v.resume();
        host.require(WIFI).write(0x82, 2, 0xc000); // MSI-X on with the function masked, straight at the device
        assertEquals(MsiOutcome.PENDING, host.require(WIFI).fireMsix(1));
    }

    @Test
    void alignedDwordAndQwordReadsOfThePbaReachTheDevice() {
        boot();
        assertEquals(1L << 1, xen.mmioRead(v, PBA, 4));
        assertEquals(1L << 1, xen.mmioRead(v, PBA, 8));
        assertTrue(!xen.log().contains("unaligned or invalid size MSI-X table access"), xen.log().dmesg());
    }

    @Test
    void aWordOrAnUnalignedReadOfThePbaReadsAllOnesWithTheWarning() {
        boot();
        assertEquals(0xffffL, xen.mmioRead(v, PBA, 2));
        assertEquals(0xffL, xen.mmioRead(v, PBA, 1));
        assertEquals(0xffff_ffffL, xen.mmioRead(v, PBA + 2, 4));
        assertTrue(xen.log().contains("0000:00:14.3: unaligned or invalid size MSI-X table access"), xen.log().dmesg());
    }

    @Test
    void pastThePbasEightBytesTheRestOfItsPageTakesAWordWrite() {
        boot();
        xen.mmioWrite(v, PBA + 8, 2, 0x55); // 16 vectors' PBA is 8 bytes: this is a register beside it
        assertEquals(0x55L, host.mmioRead(PBA + 8, 4));
        assertTrue(!xen.log().contains("unaligned or invalid size MSI-X table access"), xen.log().dmesg());
    }

    @Test
    void theOtherRegistersOnTheTablesPageTakeAnySizeAndAlignment() {
        boot();
        host.mmioWrite(BAR + 0x2800, 4, 0x1122_3344L);
        assertEquals(0x2233L, xen.mmioRead(v, BAR + 0x2801, 2), "an unaligned word, read byte by byte from the device");
        assertEquals(0x44L, xen.mmioRead(v, BAR + 0x2800, 1));
        assertTrue(!xen.log().contains("unaligned or invalid size MSI-X table access"), xen.log().dmesg());
    }
}
