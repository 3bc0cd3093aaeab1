package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.host.MsiOutcome;
import vdm.hosts.TestHost;
import vdm.pci.Sbdf;
import vdm.xen.MsiIrqs;

/**
 * The guest's MSI through QEMU's xen_pt (hw/xen/xen_pt_config_init.c's MSI group: xen_pt_msgctrl_reg_write,
 * xen_pt_msgaddr32/64_reg_write, xen_pt_msgdata_reg_write, xen_pt_mask_reg_write; xen_pt_msi.c's setup, update and
 * disable), on every MSI endpoint of both test hosts.
 */
class GuestMsiTest {
    static Stream<Arguments> msiDevices() {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) {
            for (Sbdf s : MsiGuest.withCapability(h, MsiGuest.MSI_CAP)) if (s.segment() == 0) out.add(Arguments.of(h, s));
        }
        return out.stream();
    }

    private record Cap(int base, boolean is64, boolean pvm) {
        int data() { return base + (is64 ? 0x0c : 0x08); }
    }

    private static Cap cap(MsiGuest g, Sbdf s) {
        int base = MsiGuest.capability(g.host.require(s), MsiGuest.MSI_CAP);
        int flags = g.host.require(s).read(base + 2, 2);
        return new Cap(base, (flags & 0x80) != 0, (flags & 0x100) != 0);
    }

    private static void program(XenPtDevice pt, Cap c, int apic, int vector) {
        pt.guestWrite(c.base() + 4, 4, (int) (0xfee0_0000L | apic << 12));
        if (c.is64()) pt.guestWrite(c.base() + 8, 4, 0);
        pt.guestWrite(c.data(), 2, vector);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msiDevices")
    void enablingMapsBindsAndEnablesTheDeviceAndItsMessageReachesTheGuest(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        MsiGuest.placeBars(pt, 0xe000_0000L);
        Cap c = cap(g, sbdf);
        program(pt, c, 0, 0x61);
        pt.guestWrite(c.base() + 2, 2, 0x0001);

        int pirq = pt.msi().pirq();
        assertTrue(pirq > 0, "xen_pt_msi_setup mapped the vector");
        MsiIrqs.Binding b = g.xen.msi().binding(g.guest, pirq);
        assertNotNull(b, "xen_pt_msi_update bound it");
        assertEquals(0x61, b.gvec());
        assertEquals(0, b.gtable(), "MSI binds without a table");
        assertEquals(1, g.host.require(sbdf).read(c.base() + 2, 2) & 1, "the device's MSI enable was written through dom0");
        assertEquals(1, pt.guestRead(c.base() + 2, 2) & 1, "and the guest reads it");
        assertEquals(MsiOutcome.SENT, g.host.require(sbdf).fireMsi(0));
        assertEquals(1, g.guest.msiReceipts().count(0x61));
        assertEquals(0x61, pt.guestRead(c.data(), 2), "the guest reads its own data, not Xen's");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msiDevices")
    void aDataChangeWhileEnabledRebindsAndDisablingUnbindsAndUnmaps(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        Cap c = cap(g, sbdf);
        program(pt, c, 0, 0x61);
        pt.guestWrite(c.base() + 2, 2, 0x0001);
        int pirq = pt.msi().pirq();
        pt.guestWrite(c.data(), 2, 0x62);
        assertEquals(0x62, g.xen.msi().binding(g.guest, pirq).gvec(), "xen_pt_msgdata_reg_write re-binds while mapped");
        assertEquals(pirq, pt.msi().pirq());

        pt.guestWrite(c.base() + 2, 2, 0x0000);
        assertNull(g.xen.msi().binding(g.guest, pirq), "unbound");
        assertEquals(0, g.guest.pirqs().irq(pirq), "unmapped");
        assertEquals(-1, pt.msi().pirq());
        assertEquals(0, g.host.require(sbdf).read(c.base() + 2, 2) & 1, "the device's MSI is off");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msiDevices")
    void theGuestSeesOneVectorNoPerVectorMaskingAndCannotWriteTheMaskBits(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        Cap c = cap(g, sbdf);
        int ctrl = pt.guestRead(c.base() + 2, 2);
        assertEquals(0, ctrl & 0x000e, "Multiple Message Capable is emulated as 0");
        assertEquals(0, ctrl & 0x0100, "so is Per-vector Masking Capable");
        assertEquals(c.is64() ? 0x80 : 0, ctrl & 0x80, "64-bit comes from the device");
        pt.guestWrite(c.base() + 2, 2, 0x0020); // MME = 4 vectors: kept in QEMU's copy, with a warning
        assertEquals(0x0020, pt.guestRead(c.base() + 2, 2) & 0x0070);
        assertTrue(g.libxl.log().contains(ToolstackLog.Source.QEMU, "xen_pt_msgctrl_reg_write: Warning: Tries to set more than 1 vector ctrl 20"));
        assertEquals(0, g.host.require(sbdf).read(c.base() + 2, 2) & 0x0070, "the device's MME is not written");
        if (c.pvm()) {
            int mask = c.base() + (c.is64() ? 0x10 : 0x0c);
            pt.guestWrite(mask, 4, 1);
            assertEquals(0, pt.guestRead(mask, 4), "the mask register is read-only to the guest and reads 0");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msiDevices")
    void detachTearsMsiDown(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        Cap c = cap(g, sbdf);
        program(pt, c, 0, 0x61);
        pt.guestWrite(c.base() + 2, 2, 0x0001);
        int pirq = pt.msi().pirq();
        assertTrue(g.libxl.pciDetach(g.guest.id(), sbdf).ok());
        assertNull(g.xen.msi().binding(g.guest, pirq));
        assertEquals(0, g.guest.pirqs().mappings().length);
        assertTrue(g.libxl.log().contains(ToolstackLog.Source.QEMU, "msi_msix_disable: Unbind MSI with pirq " + pirq + ", gvec 0x61"));
        assertTrue(g.libxl.log().contains(ToolstackLog.Source.QEMU, "msi_msix_disable: Unmap MSI pirq " + pirq));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msiDevices")
    void aRefusedRebindUnmapsTheOldPirqAndQemuForgetsIt(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        Cap c = cap(g, sbdf);
        program(pt, c, 0, 0x61);
        pt.guestWrite(c.base() + 2, 2, 0x0001);
        int pirq = pt.msi().pirq();
        // Behind QEMU's back the pirq goes (as libxl's detach path can do): Xen finds no irq to bind at the next update
        assertEquals(0, g.xen.physdev().unmapPirq(g.kernel.domain(), g.guest.id(), pirq));
        pt.guestWrite(c.data(), 2, 0x62);
        // Xen refuses the bind of a pirq the guest no longer has (-EPERM: the pirq's irq permission went with it)
        assertTrue(g.libxl.log().lines().stream().anyMatch(l -> l.text().endsWith("msi_msix_update: Error: Updating of MSI failed. (err: "
                + -l.result() + ")") && l.result() < 0), () -> g.libxl.log().lines().toString());
        assertTrue(g.libxl.log().contains(ToolstackLog.Source.QEMU, "msi_msix_update: Error: Unmapping of MSI pirq " + pirq + " failed. (err: 22)"));
        assertEquals(-1, pt.msi().pirq(), "msi_msix_update set *old_pirq to XEN_PT_UNASSIGNED_PIRQ");
        assertTrue(pt.msi().mapped(), "QEMU still calls it mapped: xen_pt_msgdata_reg_write ignores the update's failure");
    }
}
