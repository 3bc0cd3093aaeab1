package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;
import vdm.pci.Sbdf;
import vdm.xen.MsiGflags;
import vdm.xen.MsiIrqs;
import vdm.xen.XenConfig;

/**
 * The guest's MSI-X through QEMU's xen_pt (hw/xen/xen_pt_msi.c: pci_msix_write / pci_msix_read, xen_pt_msix_update_one,
 * xen_pt_msixctrl_reg_write) and Xen's msixtbl (xen/arch/x86/hvm/vmsi.c), on every MSI-X endpoint of both test hosts
 * that QEMU maps on segment 0 (xc_physdev_map_pirq_msi carries the bus alone).
 */
class GuestMsixTest {
    static final long GUEST_BASE = 0xe000_0000L;
    static final long LAPIC = 0xfee0_0000L;

    static Stream<Arguments> msixDevices() {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) {
            for (Sbdf s : MsiGuest.withCapability(h, MsiGuest.MSIX_CAP)) if (s.segment() == 0) out.add(Arguments.of(h, s));
        }
        return out.stream();
    }

    static Stream<Arguments> msixDevicesBothWays() {
        return msixDevices().flatMap(a -> Stream.of(Arguments.of(a.get()[0], a.get()[1], true), Arguments.of(a.get()[0], a.get()[1], false)));
    }

    private static XenConfig config(boolean allWrites) {
        XenConfig u = XenConfig.UPSTREAM;
        return u.with(XenConfig.Switch.DM_MSIX_ALL_WRITES, allWrites);
    }

    /** The guest's table address of an attached, placed device. */
    private static long table(XenPtDevice pt, long[] bars) {
        return bars[pt.msix().bar()] + pt.msix().tableOffset();
    }

    /** A driver's MSI-X bring-up: enable with the function masked, program entry {@code n}, unmask it, unmask the function. */
    private static void bringUp(MsiGuest g, XenPtDevice pt, long table, int n, int vector, int apic) {
        int ctrl = pt.msix() == null ? 0 : MsiGuest.capability(g.host.require(pt.hostAddress()), MsiGuest.MSIX_CAP) + 2;
        pt.guestWrite(ctrl, 2, XenPtMsix.FLAGS_ENABLE | XenPtMsix.FLAGS_MASKALL);
        g.write(table + 16L * n, 4, LAPIC | (long) apic << 12);
        g.write(table + 16L * n + 4, 4, 0);
        g.write(table + 16L * n + 8, 4, vector);
        g.write(table + 16L * n + 12, 4, 0);
        pt.guestWrite(ctrl, 2, XenPtMsix.FLAGS_ENABLE);
    }

    @ParameterizedTest(name = "{0} {1}, dm_msix_all_writes {2}")
    @MethodSource("msixDevicesBothWays")
    void aProgrammedAndUnmaskedEntryIsMappedBoundAndDeliversTheGuestsVector(TestHost h, Sbdf sbdf, boolean allWrites) {
        MsiGuest g = new MsiGuest(h, config(allWrites));
        XenPtDevice pt = g.attach(sbdf, 5);
        long[] bars = MsiGuest.placeBars(pt, GUEST_BASE);
        long table = table(pt, bars);
        assertEquals(-1, g.guest.p2m().translate(table), "the table's page is not in the guest's p2m: QEMU's region covers it");

        bringUp(g, pt, table, 0, 0x41, 0);
        int pirq = pt.msix().pirq(0);
        assertTrue(pirq > 0, "xen_pt mapped entry 0");
        MsiIrqs.Binding b = g.xen.msi().binding(g.guest, pirq);
        assertNotNull(b, "xc_domain_update_msi_irq bound it");
        assertEquals(0x41, b.gvec());
        assertEquals(table, b.gtable(), "gtable is the guest's table address (msix->mmio_base_addr)");
        assertEquals(table, g.xen.msixtbl().registered(g.guest)[0], "pt_irq_create_bind registered the table with msixtbl");

        PhysicalFunction f = g.host.require(sbdf);
        assertEquals(MsiOutcome.SENT, f.fireMsix(0), "Xen unmasked the physical entry (the bind's or the write completion's unmask)");
        assertEquals(1, g.guest.msiReceipts().count(0x41));
        assertEquals(0, g.guest.msiReceipts().destination(0x41));
        assertEquals(0x41, g.read(table + 8, 4), "the guest reads back its own data (QEMU's latch or Xen's shadow)");
        assertEquals(0, g.read(table + 12, 4) & 1, "and the entry unmasked");
    }

    @ParameterizedTest(name = "{0} {1}, dm_msix_all_writes {2}")
    @MethodSource("msixDevicesBothWays")
    void aDataChangeWhileUnmaskedWaitsForTheNextMaskedToUnmaskedTransition(TestHost h, Sbdf sbdf, boolean allWrites) {
        MsiGuest g = new MsiGuest(h, config(allWrites));
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        bringUp(g, pt, table, 0, 0x41, 0);
        int pirq = pt.msix().pirq(0);
        PhysicalFunction f = g.host.require(sbdf);

        g.write(table + 8, 4, 0x42); // unmasked: latched, not bound
        assertEquals(0x41, g.xen.msi().binding(g.guest, pirq).gvec(), "still the old vector");
        f.fireMsix(0);
        assertEquals(1, g.guest.msiReceipts().count(0x41));
        assertEquals(0, g.guest.msiReceipts().count(0x42));

        g.write(table + 12, 4, 1); // mask
        assertEquals(MsiOutcome.PENDING, f.fireMsix(0), "masked: Xen masked the physical entry, the device latches");
        g.write(table + 12, 4, 0); // unmask: the latched data takes effect, the pending message goes out
        assertEquals(0x42, g.xen.msi().binding(g.guest, pirq).gvec(), "rebound with the latched vector");
        assertEquals(pirq, pt.msix().pirq(0), "same pirq");
        assertEquals(1, g.guest.msiReceipts().count(0x42), "the pending message arrived with the new vector");
    }

    @ParameterizedTest(name = "{0} {1}, dm_msix_all_writes {2}")
    @MethodSource("msixDevicesBothWays")
    void anUnmaskOfAnUnmaskedEntryRebindsWithTheAddressAndDataInEffect(TestHost h, Sbdf sbdf, boolean allWrites) {
        // Without dm_msix_all_writes QEMU reads the mask bit through /dev/mem: a PV dom0 maps the machine's table
        MsiGuest g = new MsiGuest(h, config(allWrites), allWrites ? vdm.xen.Domain.Kind.PVH : vdm.xen.Domain.Kind.PV);
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        bringUp(g, pt, table, 0, 0x41, 0);
        int pirq = pt.msix().pirq(0);
        g.write(table + 8, 4, 0x42);
        g.write(table + 12, 4, 0); // no masked -> unmasked transition: xen_pt_msix_update_one keeps entry->data
        assertEquals(0x41, g.xen.msi().binding(g.guest, pirq).gvec());
        g.host.require(sbdf).fireMsix(0);
        assertEquals(1, g.guest.msiReceipts().count(0x41));
        assertEquals(0x42, g.read(table + 8, 4), "the guest reads what it wrote (the latch), not what is in effect");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msixDevices")
    void withoutDmMsixAllWritesAPvhDom0sQemuReadsNoRealMaskBitAndTakesTheLatchAtOnce(TestHost h, Sbdf sbdf) {
        // "reading from /dev/mem is trapped and emulated by Xen, so QEMU doesn't see real values anyway" (QEMU commit
        // "Do not access /dev/mem in MSI-X PCI passthrough on Xen"): dom0's p2m does not map a device it gave away
        MsiGuest g = new MsiGuest(h, config(false), vdm.xen.Domain.Kind.PVH);
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        bringUp(g, pt, table, 0, 0x41, 0);
        g.write(table + 8, 4, 0x42);
        g.write(table + 12, 4, 0);
        assertEquals(0x42, g.xen.msi().binding(g.guest, pt.msix().pirq(0)).gvec(), "all ones read as masked: the latch applied");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msixDevices")
    void onlyFourByteAlignedAccessesReachQemusTable(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        int last = pt.msix().entries() - 1;
        long e = table + 16L * last; // an entry with no vector: msixtbl does not claim it, QEMU gets everything
        g.write(e + 8, 4, 0x77);
        assertEquals(0x77, g.read(e + 8, 4));
        g.write(e + 8, 2, 0x1234);
        g.write(e + 9, 1, 0x12);
        assertEquals(0x77, g.read(e + 8, 4), "2- and 1-byte writes are refused by pci_msix_ops");
        assertEquals(0, g.read(e + 8, 2), "a 2-byte read is refused: QEMU's unassigned read gives 0");
        assertEquals(1, g.read(e + 12, 4), "an untouched entry reads masked");
        // An 8-byte access is cut into two DWORDs by QEMU's memory core (flatview_write_continue -> memory_access_size:
        // the region's valid max_access_size is 4), low one first, as the ioreq's address_space_rw issues it.
        g.write(e + 8, 8, 0x0000_0001_2222_3333L);
        assertEquals(0x2222_3333, g.read(e + 8, 4), "the low DWORD of an 8-byte write lands");
        assertEquals(1, g.read(e + 12, 4), "its high DWORD is the Vector Control, still masked");
        assertEquals(0x0000_0001_2222_3333L, g.read(e + 8, 8), "an 8-byte read is two DWORD reads");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msixDevices")
    void detachLeavesNoPirqBindingTableRegistrationOrMapping(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        bringUp(g, pt, table, 0, 0x41, 0);
        int pirq = pt.msix().pirq(0);
        assertTrue(g.libxl.pciDetach(g.guest.id(), sbdf).ok());
        assertEquals(0, g.guest.pirqs().mappings().length, "no pirq");
        assertNull(g.xen.msi().binding(g.guest, pirq), "no binding");
        assertEquals(0, g.xen.msixtbl().registered(g.guest).length, "no msixtbl entry");
        assertTrue(g.guest.p2m().ranges().isEmpty(), "no mapping");
        assertEquals(-1L, g.read(table, 4) | 0xffff_ffff_0000_0000L, "the table is gone from the guest: nothing answers");
    }

    @ParameterizedTest(name = "{0} {1}, dm_msix_all_writes {2}")
    @MethodSource("msixDevicesBothWays")
    void aMaskWriteReachesQemuOnlyUnderDmMsixAllWrites(TestHost h, Sbdf sbdf, boolean allWrites) {
        MsiGuest g = new MsiGuest(h, config(allWrites));
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        bringUp(g, pt, table, 0, 0x41, 0);
        g.write(table + 12, 4, 1); // Xen's msixtbl claims it: the entry has a vector
        int qemuLatch = pt.msix().state().latch()[3];
        assertEquals(allWrites ? 1 : 0, qemuLatch, allWrites ? "forwarded to QEMU too" : "Xen handled it alone: QEMU's latch is stale");
        assertEquals(1, g.read(table + 12, 4), "the guest reads its mask from Xen either way");
        assertEquals(MsiOutcome.PENDING, g.host.require(sbdf).fireMsix(0), "Xen masked the physical entry");
        assertFalse(MsiGflags.unmasked(g.xen.msi().binding(g.guest, pt.msix().pirq(0)).gflags()), "gmsi.gflags never keeps UNMASKED");
    }

    /**
     * Linux's order (msix_capability_init: entries masked and programmed under the function mask, the function
     * unmasked, then each entry unmasked), then pci_msix_mask of entry 0. Xen's msixtbl_write takes the mask bit of an
     * entry it has a vector for (msixtbl_addr_to_desc) and applies it to the physical entry (guest_mask_msi_irq ->
     * msi_set_mask_bit); QEMU's pci_msix_write never masks the device. So the device latches its pending bit, and the
     * unmask sends it.
     */
    @ParameterizedTest(name = "{0} {1}, dm_msix_all_writes {2}")
    @MethodSource("msixDevicesBothWays")
    void theGuestsMaskOfAnUnmaskedEntryStopsItsVectorAndTheUnmaskSendsThePendingOne(TestHost h, Sbdf sbdf, boolean allWrites) {
        MsiGuest g = new MsiGuest(h, config(allWrites));
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        int ctrl = MsiGuest.capability(g.host.require(sbdf), MsiGuest.MSIX_CAP) + 2;
        int entries = Math.min(2, pt.msix().entries());
        pt.guestWrite(ctrl, 2, XenPtMsix.FLAGS_ENABLE | XenPtMsix.FLAGS_MASKALL);
        for (int n = 0; n < entries; n++) {
            g.write(table + 16L * n + 12, 4, 1);
            g.write(table + 16L * n, 4, LAPIC);
            g.write(table + 16L * n + 4, 4, 0);
            g.write(table + 16L * n + 8, 4, 0x61 + n);
        }
        pt.guestWrite(ctrl, 2, XenPtMsix.FLAGS_ENABLE);
        for (int n = 0; n < entries; n++) g.write(table + 16L * n + 12, 4, 0);
        PhysicalFunction f = g.host.require(sbdf);
        assertEquals(MsiOutcome.SENT, f.fireMsix(0), "enabled and unmasked");
        assertEquals(1, g.guest.msiReceipts().count(0x61));

        g.write(table + 12, 4, 1);
        assertEquals(1, g.read(table + 12, 4) & 1, "the guest reads its mask back");
        assertEquals(MsiOutcome.PENDING, f.fireMsix(0), "Xen masked the physical entry: the device latches the vector");
        assertEquals(1, g.guest.msiReceipts().count(0x61), "nothing more reached the guest");
        if (entries > 1) {
            assertEquals(MsiOutcome.SENT, f.fireMsix(1), "entry 1 is still unmasked");
            assertEquals(1, g.guest.msiReceipts().count(0x62));
        }

        g.write(table + 12, 4, 0);
        assertEquals(2, g.guest.msiReceipts().count(0x61), "the unmask sent the pending vector");
        assertEquals(MsiOutcome.SENT, f.fireMsix(0));
        assertEquals(3, g.guest.msiReceipts().count(0x61));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msixDevices")
    void aToolstackStateRestorePutsBackQemusEntriesAndLatchesExactly(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        long table = table(pt, MsiGuest.placeBars(pt, GUEST_BASE));
        bringUp(g, pt, table, 0, 0x41, 0);
        g.write(table + 8, 4, 0x42); // latched while unmasked
        ToolstackState saved = ToolstackState.capture(g.libxl);
        vdm.fingerprint.StateHash before = new vdm.fingerprint.StateHash();
        saved.hashInto(before);

        g.write(table + 16 + 8, 4, 0x55);
        g.write(table + 12, 4, 1);
        saved.check(java.util.Set.of(0, g.guest.id()));
        saved.restore(g.libxl);
        vdm.fingerprint.StateHash after = new vdm.fingerprint.StateHash();
        ToolstackState.capture(g.libxl).hashInto(after);
        assertEquals(before.finish(), after.finish(), "the same toolstack state");
        XenPtDevice again = g.libxl.device(sbdf);
        assertEquals(0x42, g.read(table + 8, 4), "the restored latch answers through the guest's ioreq server");
        assertEquals(0, again.msix().state().latch()[4 + 2], "entry 1's data is back to what it was");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msixDevices")
    void aStateWhoseTableSizeDoesNotFitTheDeviceIsRefusedBeforeAnythingChanges(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        ToolstackState s = ToolstackState.capture(g.libxl);
        ToolstackState.Attached a = s.attached()[0];
        GuestMsixState x = a.msix();
        GuestMsixState wrong = new GuestMsixState(x.enabled(), x.maskall(), x.mmioBase(), x.inSpace(), new int[4 * 3000], new long[3000],
                new int[3000], new int[3000], new boolean[3000]);
        ToolstackState bad = new ToolstackState(new ToolstackState.Attached[] {new ToolstackState.Attached(a.host(), a.domid(), a.slot(),
                a.config(), a.guestRom(), a.machineIrq(), a.bound(), a.resources(), a.guestBars(), a.mappings(), a.qdevId(), a.ioMappings(),
                a.msi(), wrong)}, s.routed());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> bad.check(java.util.Set.of(0, g.guest.id())));
        assertTrue(e.getMessage().contains("MSI-X state of 3000 entries"), e.getMessage());
        assertEquals(pt, g.libxl.device(sbdf), "nothing changed");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("msixDevices")
    void movingTheTablesBarRebindsEveryEntryWithTheNewGuestTable(TestHost h, Sbdf sbdf) {
        MsiGuest g = new MsiGuest(h);
        XenPtDevice pt = g.attach(sbdf, 5);
        long[] bars = MsiGuest.placeBars(pt, GUEST_BASE);
        long table = table(pt, bars);
        bringUp(g, pt, table, 0, 0x41, 0);
        int bar = pt.msix().bar(), pirq = pt.msix().pirq(0);
        long moved = 0xd000_0000L; // below every BAR placeBars put from GUEST_BASE up, aligned for any of them
        pt.guestWrite(0x10 + 4 * bar, 4, (int) moved); // while decoding: QEMU's listeners move the region (xen_pt_msix_update_remap)
        long newTable = moved + pt.msix().tableOffset();
        assertEquals(newTable, g.xen.msi().binding(g.guest, pirq).gtable(), "rebound with the new gtable");
        assertEquals(newTable, g.xen.msixtbl().registered(g.guest)[0], "msixtbl has the new table");
        assertEquals(0x41, g.read(newTable + 8, 4));
        assertEquals(-1L, g.read(table + 8, 4) | 0xffff_ffff_0000_0000L, "nothing at the old place");
        assertEquals(MsiOutcome.SENT, g.host.require(sbdf).fireMsix(0), "still unmasked");
        assertEquals(1, g.guest.msiReceipts().count(0x41));
    }
}
