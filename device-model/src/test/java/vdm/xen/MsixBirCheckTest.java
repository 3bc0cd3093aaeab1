package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.host.Host;
import vdm.host.IntxPin;
import vdm.pci.Sbdf;

/**
 * Xen 53859596c0 ("vpci/msix: improve handling of bogus MSI-X capabilities"), on the AMD FCH SATA controller whose
 * MSI-X BIR names BAR2, which it does not implement: with the check init_msix refuses the capability ("Device bug:
 * ... at invalid BAR2 with type 0", -ENODEV) and vPCI masks it; without it (and without 7c24d58a6e's BAR check, as
 * Xen was then) the table is taken at address 0 and every later turn of memory decoding on is refused once dom0's RAM
 * is there: COMMAND never gets Memory Space Enable.
 */
class MsixBirCheckTest {
    static final Sbdf SATA = Sbdf.parse("0000:00:11.0");
    static final long ABAR = 0xfe80_0000L;

    static int ecam(int reg) {
        return SATA.bus() << 20 | SATA.devfn() << 12 | reg;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anMsixTableInAnEmptyBarIsMaskedWithTheCheckAndBlocksDecodingWithout(boolean check) {
        Host host = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device(SATA.toString(), "amd-fch-sata").prt(0, 0x11, IntxPin.A, 19).build();
        XenConfig c = XenConfig.UPSTREAM.with(XenConfig.Switch.MSIX_HOLE_ENABLED_BARS, false).with(XenConfig.Switch.MSIX_BIR_CHECK, check);
        Xen xen = Xen.onHost(c, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        assertEquals(check, xen.log().contains("Device bug: 0000:00:11.0: MSI-X vector table at invalid BAR2 with type 0"), xen.log().dmesg());
        assertEquals(check, xen.log().contains("d0 0000:00:11.0: init legacy cap 17 fail rc=-19, mask it"), xen.log().dmesg());
        assertEquals(!check, dom0.header(SATA).msixTrapped());
        xen.ecamWrite(v, ecam(0x24), 4, (int) ABAR);
        xen.ecamWrite(v, ecam(0x04), 2, 0x0006);
        v.resume();
        int command = host.require(SATA).read(0x04, 2);
        assertEquals(check, (command & 0x2) != 0, "memory decoding: " + xen.log().dmesg());
        assertEquals(!check, xen.log().dmesg().contains("d0v0 0000:00:11.0: existing mapping (mfn: 1c1880 type: 0) at 0 clobbers MSIX MMIO area"));
        assertTrue(!check || host.mmioRead(ABAR, 4) == xen.mmioRead(v, ABAR, 4), "the AHCI registers are dom0's");
    }
}
