package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.host.Host;
import vdm.host.IntxPin;
import vdm.host.MsiOutcome;
import vdm.pci.Sbdf;

/**
 * The AX210-like Wi-Fi function, whose 16-entry MSI-X table fills only the first 256 bytes of its page and whose
 * registers sit on the rest (what Xen 4.18's adjacent handling is for): through dom0's traps on a real host, the
 * registers are the device's memory with {@link XenConfig#msixAdjacent} and unreachable (reads ~0, writes dropped)
 * without it, while the table is Xen's either way and the PBA reads the device's pending bits.
 */
class MsixAdjacentAx210Test {
    static final Sbdf WIFI = Sbdf.parse("0000:00:14.3");
    static final long BAR = 0xfe40_0000L;

    static int ecam(int reg) {
        return WIFI.bus() << 20 | WIFI.devfn() << 12 | reg;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theRegistersOnTheTablesPageAreTheDevicesOnlySinceXen418(boolean adjacent) {
        Host host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device(WIFI.toString(), "ax210")
                .prt(0, 0x14, IntxPin.A, 16).build();
        XenConfig u = XenConfig.UPSTREAM;
        XenConfig c = u.with(XenConfig.Switch.MSIX_ADJACENT, adjacent);
        Xen xen = Xen.onHost(c, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, ecam(0x10), 4, (int) BAR);
        xen.ecamWrite(v, ecam(0x14), 4, 0);
        xen.ecamWrite(v, ecam(0x04), 2, 0x0006);
        v.resume();
        assertEquals(BAR + 0x1000, dom0.p2m().translate(BAR + 0x1000), "the pages before the table are mapped");
        assertEquals(-1, dom0.p2m().translate(BAR + 0x2100), "the table's page is a hole");
        host.mmioWrite(BAR + 0x2100, 4, 0x1234_5678L); // the device's own register, as the device holds it
        long register = xen.mmioRead(v, BAR + 0x2100, 4);
        xen.mmioWrite(v, BAR + 0x2104, 4, 0xabcdL);
        if (adjacent) {
            assertEquals(0x1234_5678L, register);
            assertEquals(0xabcdL, host.mmioRead(BAR + 0x2104, 4));
        } else {
            assertEquals(0xffff_ffffL, register, "4.17 did not handle the rest of the page");
            assertEquals(0, host.mmioRead(BAR + 0x2104, 4), "the write was dropped");
        }
        // The table is Xen's copy: dom0's write does not reach the device's entry.
        xen.mmioWrite(v, BAR + 0x2000 + 8, 4, 0x66);
        assertEquals(0x66, xen.mmioRead(v, BAR + 0x2000 + 8, 4));
        assertEquals(0, host.mmioRead(BAR + 0x2000 + 8, 4));
        // The PBA is the device's: a masked vector's pending bit shows through the trap.
        host.require(WIFI).write(0x82, 2, 0xc000); // enable with Function Mask, straight at the device
        host.require(WIFI).write(0x04, 2, 0x0006);
        assertEquals(MsiOutcome.PENDING, host.require(WIFI).fireMsix(3));
        assertEquals(1L << 3, xen.mmioRead(v, BAR + 0x3000, 8));
        assertTrue(dom0.header(WIFI).msixTrapped());
    }
}
