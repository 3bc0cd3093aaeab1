package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.host.Host;
import vdm.host.IntxPin;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;

/**
 * Xen 7c24d58a6e ("vpci/msix: check for BARs enabled in vpci_make_msix_hole"): a function dom0 adds after boot
 * (PHYSDEVOP_pci_device_add, pci_add_device -> vpci_assign_device) with its BARs zeroed and decoding off. Since
 * ee2eb6849d init_msix ends with vpci_make_msix_hole; without the BAR check it looks at the table's pages from
 * address 0, finds dom0's RAM there (pvh_populate_p2m ran after the boot devices' vPCI was built) and fails, and
 * vPCI masks MSI-X, the two lines of the commit message. With the check the hole waits until the BAR is mapped.
 */
class MsixHoleEnabledBarsTest {
    static final Sbdf NIC = Sbdf.parse("0000:00:03.0");
    static final long BAR3 = 0xfe88_0000L;

    static int ecam(int reg) {
        return NIC.bus() << 20 | NIC.devfn() << 12 | reg;
    }

    /** Walks the capability list as dom0 sees it; true if it reaches MSI-X. */
    static boolean dom0SeesMsix(Xen xen, Vcpu v) {
        for (int pos = xen.ecamRead(v, ecam(0x34), 1) & 0xfc; pos >= 0x40; pos = xen.ecamRead(v, ecam(pos + 1), 1) & 0xfc) {
            if (xen.ecamRead(v, ecam(pos), 1) == 0x11) return true;
        }
        return false;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aFunctionAddedWithItsBarsZeroedKeepsItsMsixOnlyWithTheCheck(boolean check) {
        Host host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device(NIC.toString(), "e1000e").prt(0, 3, IntxPin.A, 16).build();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM.with(XenConfig.Switch.MSIX_HOLE_ENABLED_BARS, check), host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        assertTrue(dom0.header(NIC).msixTrapped(), "at boot dom0's p2m was still empty: nothing to clobber either way");
        assertEquals(0, xen.physdev().pciDeviceRemove(dom0, NIC));
        host.reset(NIC, ResetKind.COLD);
        assertEquals(0, xen.physdev().pciDeviceAdd(dom0, NIC), "pci_add_device succeeds: the capability is masked, not the device");
        String clobbers = "d0v0 0000:00:03.0: existing mapping (mfn: 1c1880 type: 0) at 0 clobbers MSIX MMIO area";
        String masked = "d0 0000:00:03.0: init legacy cap 17 fail rc=-17, mask it";
        assertEquals(!check, xen.log().dmesg().contains(clobbers), xen.log().dmesg());
        assertEquals(!check, xen.log().dmesg().contains(masked), xen.log().dmesg());
        assertEquals(check, dom0.header(NIC).msixTrapped());
        assertEquals(check, dom0SeesMsix(xen, v));
        // dom0 assigns BAR3 and turns decoding on: with the check the hole is punched now, around the mapped BAR.
        xen.ecamWrite(v, ecam(0x1c), 4, (int) BAR3);
        xen.ecamWrite(v, ecam(0x04), 2, 0x0002);
        v.resume();
        assertEquals(check ? -1 : BAR3, dom0.p2m().translate(BAR3), "the table's page traps only while vPCI has the capability");
        assertFalse(xen.log().contains("clobbers") && check, xen.log().dmesg());
    }
}
