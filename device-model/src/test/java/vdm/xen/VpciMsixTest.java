package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.log.Level;
import vdm.pci.Sbdf;
import vdm.pci.cap.MsiX;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;

/**
 * vPCI's MSI-X for the hardware domain (xen/drivers/vpci/msix.c, header.c's MSI-X parts), on catalog devices whose
 * table sits where a real one does: QEMU's nvme (BAR0 16 KiB, 65 entries at 0x2000, PBA at 0x3000) and e1000e
 * (BAR3 16 KiB, 5 entries at 0, PBA at 0x2000, other registers on the table's page).
 */
class VpciMsixTest {
    static final Sbdf NVME = Sbdf.parse("0000:00:04.0"), NIC = Sbdf.parse("0000:00:03.0"), ODD = Sbdf.parse("0000:00:05.0");
    static final long NVME_BAR = 0xfe000000L, NIC_BAR3 = 0xfe100000L;

    /** A bus whose memory space answers from a map and records what reaches it (the device side of adjacent pages). */
    static final class MemoryBus implements PciBus {
        final TestBus bus;
        final List<String> accesses = new ArrayList<>();
        final java.util.Map<Long, Long> memory = new java.util.HashMap<>();

        MemoryBus(TestBus bus) {
            this.bus = bus;
        }

        @Override public PciHardware function(int packedSbdf) { return bus.function(packedSbdf); }
        @Override public List<Sbdf> functions() { return bus.functions(); }

        @Override
        public long mmioRead(long address, int size) {
            accesses.add(String.format("read 0x%x/%d", address, size));
            return memory.getOrDefault(address, 0x5a5a5a5aL);
        }

        @Override
        public void mmioWrite(long address, int size, long value) {
            accesses.add(String.format("write 0x%x/%d = 0x%x", address, size, value));
            memory.put(address, value);
        }
    }

    static int ecam(Sbdf s, int reg) {
        return s.bus() << 20 | s.devfn() << 12 | reg;
    }

    /** dom0 places the nvme's 64-bit BAR0 and e1000e's BAR3 and turns memory decoding on. */
    static void decode(Xen xen, Vcpu v, long nvmeBar) {
        xen.ecamWrite(v, ecam(NVME, 0x10), 4, (int) nvmeBar);
        xen.ecamWrite(v, ecam(NVME, 0x14), 4, (int) (nvmeBar >>> 32));
        xen.ecamWrite(v, ecam(NVME, 0x04), 2, 0x0006);
        v.resume();
    }

    private static TestBus bus() {
        return new TestBus().add(NIC.toString(), "e1000e").add(NVME.toString(), "nvme");
    }

    private static List<String> ranges(Domain d, Sbdf sbdf) {
        return d.p2m().ranges().stream().filter(r -> r.owner().device().equals(sbdf))
                .map(r -> String.format("%x+%d %s", r.gfn(), r.pages(), r.owner())).toList();
    }

    @Test
    void decodingOnMapsTheBarWithoutItsTablePageAndPbaPage() {
        Xen xen = new Xen(XenConfig.UPSTREAM, bus());
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        decode(xen, dom0.vcpu(0), NVME_BAR);
        assertEquals(List.of("fe000+2 0000:00:04.0 BAR0"), ranges(dom0, NVME), "pages 2 (table) and 3 (PBA) are holes");
        assertEquals(NVME_BAR + 0x1ff8, dom0.p2m().translate(NVME_BAR + 0x1ff8));
        assertEquals(-1, dom0.p2m().translate(NVME_BAR + 0x2000));
        assertEquals(-1, dom0.p2m().translate(NVME_BAR + 0x3000));
        assertTrue(dom0.header(NVME).msixTrapped());
        assertEquals(2, dom0.header(NVME).framesMapped(0));
    }

    @Test
    void theHolesFollowTheBarWhenDom0MovesItWithDecodingOff() {
        Xen xen = new Xen(XenConfig.UPSTREAM, bus());
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        decode(xen, v, NVME_BAR);
        xen.ecamWrite(v, ecam(NVME, 0x04), 2, 0x0000);
        v.resume();
        assertEquals(List.of(), ranges(dom0, NVME), "decoding off unmaps both pieces' worth");
        long moved = 0x4_0000_0000L;
        decode(xen, v, moved);
        assertEquals(List.of("400000+2 0000:00:04.0 BAR0"), ranges(dom0, NVME));
        // The table traps at the new place and not at the old one.
        xen.mmioWrite(v, moved + 0x2000 + 16, 4, 0xfee01000L);
        assertEquals(0xfee01000L, xen.mmioRead(v, moved + 0x2000 + 16, 4));
        assertEquals(0xffffffffL, xen.mmioRead(v, NVME_BAR + 0x2000 + 16, 4), "nothing is there any more");
    }

    @Test
    void aBarMadeOfTableAndPbaPagesAloneMapsNothing() {
        // QEMU's pcie-root-port: BAR0 is one page holding its one-entry table and the PBA.
        TestBus b = new TestBus().add("0000:00:1c.0", "pcie-root-port");
        Xen xen = new Xen(XenConfig.UPSTREAM, b);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Sbdf port = Sbdf.parse("0000:00:1c.0");
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, ecam(port, 0x10), 4, 0xfe200000);
        xen.ecamWrite(v, ecam(port, 0x04), 2, 0x0006);
        v.resume();
        assertTrue(dom0.header(port).barsMapped(), "decoding is on");
        assertTrue(dom0.header(port).bar(0).enabled(), "Xen counts the BAR as mapped");
        assertEquals(List.of(), ranges(dom0, port));
        assertEquals(6, b.space("0000:00:1c.0").read(0x04, 2));
    }

    @Test
    void tableEntriesAreXensCopiesWithTheMaskBitSetAtFirst() {
        Xen xen = new Xen(XenConfig.UPSTREAM, bus());
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        decode(xen, v, NVME_BAR);
        long entry1 = NVME_BAR + 0x2000 + 16;
        assertEquals(1, xen.mmioRead(v, entry1 + 12, 4), "vector control: masked after init_msix");
        assertEquals(0, xen.mmioRead(v, entry1, 4));
        xen.mmioWrite(v, entry1, 8, 0x0000_0001_fee0_2000L);
        xen.mmioWrite(v, entry1 + 8, 4, 0x4041);
        assertEquals(0x0000_0001_fee0_2000L, xen.mmioRead(v, entry1, 8));
        assertEquals(1, xen.mmioRead(v, entry1 + 4, 4), "upper address");
        assertEquals(0x1_0000_4041L, xen.mmioRead(v, entry1 + 8, 8), "data with the mask bit in the upper half");
        VpciMsix msix = dom0.header(NVME).msix();
        assertTrue(msix.entries[1].updated, "an address or data write marks the entry updated");
        assertFalse(msix.entries[0].updated);
        // Unmasking while MSI-X is disabled only records the mask: no pirq exists to reach.
        xen.mmioWrite(v, entry1 + 12, 4, 0);
        assertFalse(msix.entries[1].masked);
        assertEquals(VpciMsiArch.INVALID_PIRQ, msix.entries[1].pirq);
        assertEquals(0, xen.mmioRead(v, entry1 + 12, 4));
    }

    @Test
    void aMisalignedOrWordSizedTableAccessIsDroppedWithXensWarning() {
        Xen xen = new Xen(XenConfig.UPSTREAM, bus());
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        decode(xen, v, NVME_BAR);
        long entry0 = NVME_BAR + 0x2000;
        assertEquals(0xffff, xen.mmioRead(v, entry0, 2));
        assertEquals(0xffffffffL, xen.mmioRead(v, entry0 + 2, 4));
        xen.mmioWrite(v, entry0 + 4, 8, -1L); // 8 bytes not 8-aligned
        xen.mmioWrite(v, entry0 + 8, 1, 0x55);
        assertEquals(0, xen.mmioRead(v, entry0 + 4, 4));
        assertEquals(0, xen.mmioRead(v, entry0 + 8, 4));
        long warnings = xen.log().events().stream().filter(e -> e.level() == Level.WARNING
                && e.message().equals("0000:00:04.0: unaligned or invalid size MSI-X table access")).count();
        assertEquals(4, warnings, xen.log()::dmesg);
    }

    @Test
    void messageControlIsXensEnableAndFunctionMaskOverTheDevicesTableSize() {
        TestBus b = bus();
        Xen xen = new Xen(XenConfig.UPSTREAM, b);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        int control = 0x40 + 2;
        assertEquals(64, xen.ecamRead(v, ecam(NVME, control), 2), "table size - 1, disabled, unmasked");
        // Enable with the function masked: no entry is set up (none is unmasked and updated), the device gets both bits.
        xen.ecamWrite(v, ecam(NVME, control), 2, 0xc000);
        assertEquals(0xc040, xen.ecamRead(v, ecam(NVME, control), 2));
        assertEquals(0xc040, b.space(NVME.toString()).read(control, 2));
        xen.ecamWrite(v, ecam(NVME, control), 2, 0x0000);
        assertEquals(0x0040, b.space(NVME.toString()).read(control, 2));
        VpciMsix msix = dom0.header(NVME).msix();
        assertFalse(msix.enabled || msix.masked);
    }

    @Test
    void theRestOfTheTablesPageReachesTheDeviceSinceXen418AndIsDroppedBefore() {
        for (boolean adjacent : new boolean[] {true, false}) {
            XenConfig c = XenConfig.UPSTREAM;
            c = c.with(XenConfig.Switch.MSIX_ADJACENT, adjacent);
            MemoryBus mem = new MemoryBus(bus());
            Xen xen = new Xen(c, mem);
            Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
            Vcpu v = dom0.vcpu(0);
            xen.ecamWrite(v, ecam(NIC, 0x1c), 4, (int) NIC_BAR3);
            xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0006);
            v.resume();
            assertEquals(-1, dom0.p2m().translate(NIC_BAR3 + 0x100), "the table's page is a hole");
            mem.memory.put(NIC_BAR3 + 0x100, 0x1234L);
            long read = xen.mmioRead(v, NIC_BAR3 + 0x100, 4);
            xen.mmioWrite(v, NIC_BAR3 + 0x104, 4, 0x77);
            long pba = xen.mmioRead(v, NIC_BAR3 + 0x2000, 8);
            if (adjacent) {
                assertEquals(0x1234L, read);
                assertEquals(List.of("read 0xfe100100/4", "write 0xfe100104/4 = 0x77", "read 0xfe102000/8"), mem.accesses);
            } else {
                assertEquals(0xffffffffL, read, "4.17 dropped what is not the table or PBA");
                assertEquals(List.of("read 0xfe102000/8"), mem.accesses, "the PBA is read from the device in either");
            }
            assertEquals(0x5a5a5a5aL, pba);
            // A misaligned access inside the table is the table's: dropped, nothing reaches the device.
            mem.accesses.clear();
            assertEquals(0xffffffffL, xen.mmioRead(v, NIC_BAR3 + 0x4e, 4));
            assertEquals(List.of(), mem.accesses);
        }
    }

    @Test
    void anUnalignedAccessNextToTheTableIsSplitIntoBytes() {
        MemoryBus mem = new MemoryBus(bus());
        Xen xen = new Xen(XenConfig.UPSTREAM, mem);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, ecam(NIC, 0x1c), 4, (int) NIC_BAR3);
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0006);
        v.resume();
        for (int i = 0; i < 4; i++) mem.memory.put(NIC_BAR3 + 0x101 + i, (long) (0x10 + i));
        assertEquals(0x13121110L, xen.mmioRead(v, NIC_BAR3 + 0x101, 4));
        assertEquals(List.of("read 0xfe100101/1", "read 0xfe100102/1", "read 0xfe100103/1", "read 0xfe100104/1"), mem.accesses);
        assertTrue(xen.log().events().stream().anyMatch(e -> e.level() == Level.DEBUG
                && e.message().equals("0000:00:03.0: unaligned read to MSI-X related page")));
    }

    @Test
    void aPbaWriteFromTheHardwareDomainReachesTheDeviceAligned() {
        MemoryBus mem = new MemoryBus(bus());
        Xen xen = new Xen(XenConfig.UPSTREAM, mem);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        decode(xen, v, NVME_BAR);
        xen.mmioWrite(v, NVME_BAR + 0x3000, 4, 1);
        xen.mmioWrite(v, NVME_BAR + 0x3002, 2, 1); // unaligned PBA: dropped with the table warning
        assertEquals(List.of("write 0xfe003000/4 = 0x1"), mem.accesses);
        assertTrue(xen.log().contains("0000:00:04.0: unaligned or invalid size MSI-X table access"));
    }

    @Test
    void anIdentityMappingOverTheTableIsRemovedAndAnyOtherRefusesDecoding() {
        TestBus b = bus();
        Xen xen = new Xen(XenConfig.UPSTREAM, b);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        P2m.Owner other = new P2m.Owner(NIC, 0);
        // Something else maps the nvme's PBA page to another machine frame: vpci_make_msix_hole refuses.
        assertEquals(0, dom0.p2m().map(NVME_BAR + 0x3000, 0x1000, 0xfd000000L, other));
        decode(xen, v, NVME_BAR);
        assertTrue(xen.log().contains("0000:00:04.0: existing mapping (mfn: fd000 type: 5) at 0xfe003 clobbers MSIX MMIO area"),
                xen.log()::dmesg);
        assertFalse(dom0.header(NVME).barsMapped(), "modify_decoding returns before COMMAND");
        assertEquals(0, b.space(NVME.toString()).read(0x04, 2) & 2);
        assertEquals(0, dom0.p2m().unmap(NVME_BAR + 0x3000, 0x1000));
        // An identity mapping there (left by someone else) is taken out when decoding turns on.
        xen.ecamWrite(v, ecam(NVME, 0x04), 2, 0x0000);
        v.resume();
        assertEquals(0, dom0.p2m().map(NVME_BAR + 0x2000, 0x2000, NVME_BAR + 0x2000, other));
        decode(xen, v, NVME_BAR);
        assertTrue(dom0.header(NVME).barsMapped());
        assertEquals(-1, dom0.p2m().translate(NVME_BAR + 0x2000));
        assertEquals(-1, dom0.p2m().translate(NVME_BAR + 0x3000));
    }

    private static Layout withMsix(vdm.pci.layout.LayoutBuilder b, MsiX cap) {
        return b.ids(0x8086, 0x1234).classCode(0x020000).capability(cap.at(0x40)).build();
    }

    private static List<String> caps(Xen xen, Vcpu v, Sbdf s) {
        List<String> out = new ArrayList<>();
        for (int p = xen.ecamRead(v, ecam(s, 0x34), 1) & 0xfc; p != 0; p = xen.ecamRead(v, ecam(s, p + 1), 1) & 0xfc) {
            out.add(String.format("%02x@%x", xen.ecamRead(v, ecam(s, p), 1), p));
        }
        return out;
    }

    @Test
    void aTableOutsideAMemoryBarHidesTheCapabilityWithXensMessages() {
        record Case(Layout layout, String message) {}
        List<Case> cases = List.of(
                new Case(withMsix(Layout.type0("io").bar(0, Bar.io(256)).bar(1, Bar.mem32(4096)), new MsiX(8, 0, 0, 1, 0x800)),
                        "Device bug: 0000:00:05.0: MSI-X vector table at invalid BAR0 with type 1"),
                new Case(withMsix(Layout.type0("empty").bar(0, Bar.mem32(4096)), new MsiX(8, 0, 0, 2, 0x800)),
                        "Device bug: 0000:00:05.0: MSI-X PBA table at invalid BAR2 with type 0"),
                new Case(withMsix(Layout.type0("big").bar(0, Bar.mem32(4096)), new MsiX(256, 0, 0x800, 0, 0)),
                        "Device bug: 0000:00:05.0: MSI-X vector table offset 0x800 size 0x1000 outside of BAR0 size 0x1000"),
                new Case(withMsix(Layout.type1("bridge").bar(0, Bar.mem32(4096)), new MsiX(1, 3, 0, 0, 0x800)),
                        "Device bug: 0000:00:05.0: MSI-X vector table with out of range BIR 3"));
        for (Case c : cases) {
            TestBus b = new TestBus().add(ODD.toString(), c.layout());
            Xen xen = new Xen(XenConfig.UPSTREAM, b);
            Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
            Vcpu v = dom0.vcpu(0);
            assertTrue(xen.log().events().stream().anyMatch(e -> e.level() == Level.ERR && e.message().equals(c.message())),
                    xen.log()::dmesg);
            assertTrue(xen.log().contains("d0 0000:00:05.0: init legacy cap 17 fail rc=-19, mask it"), xen.log()::dmesg);
            assertNotNull(dom0.vpci(ODD), "the device keeps its vPCI");
            assertFalse(dom0.header(ODD).msixTrapped());
            assertEquals(List.of(), caps(xen, v, ODD), "dom0's walk skips the capability");
            assertEquals(0x40, b.space(ODD.toString()).read(0x34, 1), "the device's list is untouched");
            xen.ecamWrite(v, ecam(ODD, 0x42), 2, 0x8000);
            assertEquals(0, b.space(ODD.toString()).read(0x42, 2) & 0x8000, "Message Control is read-only");
            assertNull(dom0.msixTrap, "no table trap for a device without a valid table");
        }
    }
}
