package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.host.MsiOutcome;
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;

/**
 * MSI-X pirqs end to end on a real host: map_pirq with the entry and table base (msix_capability_init: the table
 * found from its BAR, the entry masked, then Xen's message written at table + 16 * entry through the host's memory
 * space), pt_irq_create_bind's unmask, the device firing the entry, guest_mask_msi_irq latching it in the PBA until
 * the unmask, and pt_irq_destroy_bind / unmap_domain_pirq masking it again.
 */
class MsixPirqTest {
    static final int MSIX_ENABLE = 0x8000, MASKALL = 0x4000;

    record Rig(Host host, Xen xen, Domain dom0, Domain guest) {
        static Rig on(TestHost h) {
            Host host = Host.create(h.description()).enumerate();
            Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
            return new Rig(host, xen, xen.createDom0(Domain.Kind.PVH, 1), xen.createDomain(2));
        }
    }

    /**
     * Root-bus endpoints with MSI-X, their table BAR placed (16 MiB apart from 0xc0000000, as an OS would place it in
     * the root bus's range) and memory decoding and bus mastering turned on.
     */
    static List<PhysicalFunction> msixFunctions(Rig r) {
        List<PhysicalFunction> fs = r.host().functions().stream()
                .filter(f -> (f.read(0x0e, 1) & 0x7f) == 0 && f.sbdf().bus() == 0 && f.sbdf().segment() == 0)
                .filter(f -> MsiProgramming.findCapability(r.xen().bus().function(f.sbdf().packed()), MsiProgramming.CAP_ID_MSIX) != 0)
                .toList();
        long at = 0xc000_0000L;
        for (PhysicalFunction f : fs) {
            int bir = f.read(pos(r, f) + 4, 4) & 7;
            int lo = f.read(0x10 + 4 * bir, 4);
            f.write(0x10 + 4 * bir, 4, (int) at);
            if ((lo & 0x6) == 0x4) f.write(0x14 + 4 * bir, 4, 0);
            f.write(0x04, 2, f.read(0x04, 2) | 0x6);
            at += 0x0100_0000L;
        }
        return fs;
    }

    static int pos(Rig r, PhysicalFunction f) {
        return MsiProgramming.findCapability(r.xen().bus().function(f.sbdf().packed()), MsiProgramming.CAP_ID_MSIX);
    }

    static long tableBar(Rig r, PhysicalFunction f) {
        PciHardware hw = r.xen().bus().function(f.sbdf().packed());
        return MsiProgramming.readMemBar(hw, hw.read(pos(r, f) + 4, 4) & 7);
    }

    static long table(Rig r, PhysicalFunction f) {
        return tableBar(r, f) + (f.read(pos(r, f) + 4, 4) & ~7L & 0xffff_ffffL);
    }

    static PhysdevOps.MapPirq map(Domain target, PhysicalFunction f, int entry, long tableBase) {
        return new PhysdevOps.MapPirq(target.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI_SEG, -1, -1, f.sbdf().segment() << 16 | f.sbdf().bus(),
                f.sbdf().devfn(), entry, tableBase);
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void aGuestsMsixEntryFiresIntoTheGuestWithItsVectorAndAMaskedOneWaitsInThePba(TestHost h) {
        Rig r = Rig.on(h);
        List<PhysicalFunction> fs = msixFunctions(r);
        assertFalse(fs.isEmpty());
        for (PhysicalFunction f : fs) {
            assertEquals(0, r.xen().assignDevice(r.guest().id(), f.sbdf()).rc());
            PhysdevOps.PirqResult res = r.xen().physdev().mapPirq(r.dom0(), map(r.guest(), f, 1, tableBar(r, f)));
            assertEquals(0, res.rc(), f.sbdf() + ": " + r.xen().log().dmesg());
            int irq = r.guest().pirqs().irq(res.pirq());
            MsiIrqs.DescState d = r.xen().msi().descState(irq);
            long entry = table(r, f) + 16;
            assertEquals(entry, d.entryAddress());
            assertEquals(0xfee00000L, r.host().mmioRead(entry, 4), "msi_compose_msg's address in the entry");
            assertEquals(0, r.host().mmioRead(entry + 4, 4));
            assertEquals(0x4000 | d.vector(), r.host().mmioRead(entry + 8, 4));
            assertEquals(1, r.host().mmioRead(entry + 12, 4) & 1, "masked by msix_capability_init");
            int control = f.read(pos(r, f) + 2, 2);
            assertEquals(0, control & (MSIX_ENABLE | MASKALL), "Message Control as it was, MASKALL cleared for the first entry");

            f.write(pos(r, f) + 2, 2, control | MSIX_ENABLE); // QEMU enables MSI-X on the guest's behalf
            int gflags = MsiGflags.of(0x61, 0xfee02000L, false);
            assertEquals(0, r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), res.pirq(), 0x61, gflags, 0xf000_0000L));
            assertEquals(0, r.host().mmioRead(entry + 12, 4) & 1, "bound UNMASKED: the entry is unmasked");
            long before = r.guest().msiReceipts().count(0x61);
            assertEquals(MsiOutcome.SENT, f.fireMsix(1));
            assertEquals(before + 1, r.guest().msiReceipts().count(0x61), f.sbdf().toString());
            assertEquals(2, r.guest().msiReceipts().destination(0x61));

            r.xen().msi().guestMask(r.guest(), res.pirq(), true);
            assertEquals(MsiOutcome.PENDING, f.fireMsix(1));
            assertEquals(before + 1, r.guest().msiReceipts().count(0x61));
            r.xen().msi().guestMask(r.guest(), res.pirq(), false);
            assertEquals(before + 2, r.guest().msiReceipts().count(0x61), "the pending vector is sent on unmask");

            assertEquals(0, r.xen().domctls().unbindPtIrqMsi(r.dom0(), r.guest().id(), res.pirq(), 0x61, gflags));
            assertEquals(MsiOutcome.PENDING, f.fireMsix(1));
            assertEquals(0, r.xen().physdev().unmapPirq(r.dom0(), r.guest().id(), res.pirq()));
            assertEquals(1, r.host().mmioRead(entry + 12, 4) & 1, "__pci_disable_msix leaves the entry masked");
            assertEquals(0, r.xen().msi().capture().descs().length);
            assertEquals(before + 2, r.guest().msiReceipts().count(0x61));
        }
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void theHardwareDomainsOwnEntryDeliversToDom0(TestHost h) {
        Rig r = Rig.on(h);
        PhysicalFunction f = msixFunctions(r).get(0);
        PhysdevOps.PirqResult res = r.xen().physdev().mapPirq(r.dom0(), map(r.dom0(), f, 0, tableBar(r, f)));
        assertEquals(0, res.rc(), r.xen().log().dmesg());
        f.write(pos(r, f) + 2, 2, f.read(pos(r, f) + 2, 2) | MSIX_ENABLE);
        assertEquals(0, r.xen().msi().createBind(r.dom0(), res.pirq(), 0x33, MsiGflags.of(0x33, 0xfee00000L, false), 0));
        assertEquals(MsiOutcome.SENT, f.fireMsix(0));
        assertEquals(1, r.dom0().msiReceipts().count(0x33));
        assertEquals(0, r.guest().msiReceipts().total());
    }

    @ParameterizedTest
    @EnumSource(TestHost.class)
    void anEntryPastTheTableIsEinvalAndNoDecodingIsEnxioAndNeitherLeavesAnything(TestHost h) {
        Rig r = Rig.on(h);
        PhysicalFunction f = msixFunctions(r).get(0);
        int size = (f.read(pos(r, f) + 2, 2) & 0x7ff) + 1;
        r.xen().assignDevice(r.guest().id(), f.sbdf());
        assertEquals(-Errno.EINVAL, r.xen().physdev().mapPirq(r.dom0(), map(r.guest(), f, size, tableBar(r, f))).rc());
        int control = f.read(pos(r, f) + 2, 2);
        f.write(0x04, 2, f.read(0x04, 2) & ~0x2);
        assertEquals(-Errno.ENXIO, r.xen().physdev().mapPirq(r.dom0(), map(r.guest(), f, 0, tableBar(r, f))).rc());
        assertEquals(control, f.read(pos(r, f) + 2, 2), "Message Control put back");
        assertEquals(0, r.guest().pirqs().mappings().length);
        assertEquals(0, r.xen().msi().capture().descs().length);
        assertEquals(0, r.xen().msi().capture().createdIrqs().length);
        assertTrue(java.util.Arrays.stream(r.xen().msi().capture().msix()).allMatch(m -> m.usedEntries() == 0));
    }
}
