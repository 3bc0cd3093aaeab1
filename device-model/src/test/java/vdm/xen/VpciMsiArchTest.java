package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.Vdm;
import vdm.host.MsiOutcome;
import vdm.log.Level;
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;

/**
 * vPCI's MSI and MSI-X for dom0 end to end (msi.c, msix.c and vmsi.c's arch hooks over Xen's MSI irqs): dom0
 * programs its capability or table through the traps, Xen maps a pirq and binds it to dom0's vector, the device's
 * message reaches dom0 with that vector; on both test hosts, with the devices read off each host.
 */
class VpciMsiArchTest {
    private static Vdm boot(TestHost t) {
        return t.builder().preset(Preset.UPSTREAM).build();
    }

    private static List<Header> with(Vdm vdm, java.util.function.Predicate<Header> p) {
        return vdm.dom0().headers().stream().filter(p).sorted(java.util.Comparator.comparing(Header::sbdf)).toList();
    }

    private static long msiPirqs(Vdm vdm) {
        return Arrays.stream(vdm.dom0().pirqs().mappings()).filter(m -> m.type() == PirqTable.Type.MSI).count();
    }

    private static void busMaster(Vdm vdm, Sbdf s) {
        vdm.kernel().cfgWrite(s, 0x04, 2, vdm.kernel().cfgRead(s, 0x04, 2) | 0x4);
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void enablingMsiMapsAndBindsAPirqAndTheDevicesMessageReachesDom0sVector(TestHost t) {
        Vdm vdm = boot(t);
        Header h = with(vdm, x -> x.msi() != null).getFirst();
        Sbdf s = h.sbdf();
        int pos = VpciCapabilities.find(h.vpci().hardware(), VpciCapabilities.CAP_ID_MSI);
        int data = pos + ((vdm.kernel().cfgRead(s, pos + 2, 2) & 0x80) != 0 ? 12 : 8);
        busMaster(vdm, s);
        vdm.kernel().cfgWrite(s, pos + 4, 4, 0xfee02000);
        vdm.kernel().cfgWrite(s, data, 2, 0x0045);
        vdm.kernel().cfgWrite(s, pos + 2, 2, 0x0001);
        VpciMsi msi = h.msi();
        assertTrue(msi.enabled() && msi.bound(), vdm.xen().log()::dmesg);
        assertEquals(PirqTable.Type.MSI, vdm.dom0().pirqs().type(msi.pirq()));
        assertEquals(1, vdm.host().require(s).read(pos + 2, 2) & 1, "the device's MSI is enabled");
        assertEquals(MsiOutcome.SENT, vdm.host().require(s).fireMsi(0));
        assertEquals(1, vdm.dom0().msiReceipts().count(0x45));
        assertEquals(2, vdm.dom0().msiReceipts().destination(0x45), "dest id 2 from 0xfee02000");
        // Disable: unbound and unmapped, the device's MSI off.
        vdm.kernel().cfgWrite(s, pos + 2, 2, 0x0000);
        assertEquals(VpciMsiArch.INVALID_PIRQ, msi.pirq());
        assertEquals(0, msiPirqs(vdm));
        assertEquals(0, vdm.host().require(s).read(pos + 2, 2) & 1);
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void anAddressOutsideTheInterruptWindowKeepsThePirqUnboundUntilAGoodOne(TestHost t) {
        Vdm vdm = boot(t);
        Header h = with(vdm, x -> x.msi() != null).getFirst();
        Sbdf s = h.sbdf();
        int pos = VpciCapabilities.find(h.vpci().hardware(), VpciCapabilities.CAP_ID_MSI);
        busMaster(vdm, s);
        vdm.kernel().cfgWrite(s, pos + 4, 4, 0x12345000);
        vdm.kernel().cfgWrite(s, pos + 2, 2, 0x0001);
        VpciMsi msi = h.msi();
        assertTrue(msi.enabled(), "vpci_msi_arch_enable succeeds: the pirq is mapped");
        assertFalse(msi.bound());
        int pirq = msi.pirq();
        assertEquals(PirqTable.Type.MSI, vdm.dom0().pirqs().type(pirq));
        assertTrue(vdm.xen().log().events().stream().anyMatch(e -> e.level() == Level.ERR
                && e.message().equals(s + ": PIRQ " + pirq + ": unsupported address 12345000")), vdm.xen().log()::dmesg);
        vdm.kernel().cfgWrite(s, pos + 4, 4, 0xfee00000);
        assertTrue(msi.bound(), "update_msi binds once the address is good");
        assertEquals(pirq, msi.pirq(), "the same pirq");
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void msixEntriesBindOnEnableAndAnUnmaskedRewriteWaitsForTheNextUnmask(TestHost t) {
        Vdm vdm = boot(t);
        Header h = with(vdm, x -> x.msixTrapped() && x.msix().bar(VpciMsix.TABLE).enabled()).getFirst();
        Sbdf s = h.sbdf();
        PhysicalFunction f = vdm.host().require(s);
        VpciMsix m = h.msix();
        int control = VpciCapabilities.find(h.vpci().hardware(), VpciCapabilities.CAP_ID_MSIX) + 2;
        Vcpu v = vdm.dom0().vcpu(0);
        long e0 = m.address(VpciMsix.TABLE);
        busMaster(vdm, s);
        // Linux's msix_capability_init: MASKALL|ENABLE, program the entries, unmask them, clear MASKALL.
        vdm.kernel().cfgWrite(s, control, 2, 0xc000);
        vdm.xen().mmioWrite(v, e0, 4, 0xfee00000L); // APIC id 0: dom0's vCPU 0
        vdm.xen().mmioWrite(v, e0 + 4, 4, 0);
        vdm.xen().mmioWrite(v, e0 + 8, 4, 0x51);
        vdm.xen().mmioWrite(v, e0 + 12, 4, 0);
        assertEquals(VpciMsiArch.INVALID_PIRQ, m.entries[0].pirq, "nothing is set up while the function is masked");
        vdm.kernel().cfgWrite(s, control, 2, 0x8000);
        assertNotEquals(VpciMsiArch.INVALID_PIRQ, m.entries[0].pirq, vdm.xen().log()::dmesg);
        assertFalse(m.entries[0].updated);
        assertEquals(MsiOutcome.SENT, f.fireMsix(0));
        assertEquals(1, vdm.dom0().msiReceipts().count(0x51));
        // Rewritten while unmasked: stored, not yet effective.
        vdm.xen().mmioWrite(v, e0 + 8, 4, 0x52);
        assertEquals(MsiOutcome.SENT, f.fireMsix(0));
        assertEquals(2, vdm.dom0().msiReceipts().count(0x51));
        assertEquals(0, vdm.dom0().msiReceipts().count(0x52));
        // Mask -> unmask picks it up.
        vdm.xen().mmioWrite(v, e0 + 12, 4, 1);
        vdm.xen().mmioWrite(v, e0 + 12, 4, 0);
        assertFalse(m.entries[0].updated, vdm.xen().log()::dmesg);
        assertEquals(MsiOutcome.SENT, f.fireMsix(0), vdm.xen().log()::dmesg);
        assertEquals(1, vdm.dom0().msiReceipts().count(0x52), () -> "total " + vdm.dom0().msiReceipts().total() + "\n" + vdm.xen().log().dmesg());
        // Disable tears every entry down and marks it updated.
        vdm.kernel().cfgWrite(s, control, 2, 0x0000);
        assertEquals(VpciMsiArch.INVALID_PIRQ, m.entries[0].pirq);
        assertTrue(m.entries[0].updated);
        assertEquals(0, msiPirqs(vdm));
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void anMsixEntryWithABadAddressIsNotSetUpAndXenSaysWhy(TestHost t) {
        Vdm vdm = boot(t);
        Header h = with(vdm, x -> x.msixTrapped() && x.msix().bar(VpciMsix.TABLE).enabled()).getLast();
        Sbdf s = h.sbdf();
        VpciMsix m = h.msix();
        int control = VpciCapabilities.find(h.vpci().hardware(), VpciCapabilities.CAP_ID_MSIX) + 2;
        Vcpu v = vdm.dom0().vcpu(0);
        long e1 = m.address(VpciMsix.TABLE) + 16;
        vdm.xen().mmioWrite(v, e1, 4, 0x1000L);
        vdm.xen().mmioWrite(v, e1 + 12, 4, 0);
        vdm.kernel().cfgWrite(s, control, 2, 0x8000);
        assertEquals(VpciMsiArch.INVALID_PIRQ, m.entries[1].pirq, "vpci_msix_arch_enable_entry unmapped it again");
        assertTrue(m.entries[1].updated, "still to be set up");
        assertTrue(vdm.xen().log().contains(s + ": unable to enable entry 1: -95"), vdm.xen().log()::dmesg);
        assertEquals(0, msiPirqs(vdm));
    }
}
