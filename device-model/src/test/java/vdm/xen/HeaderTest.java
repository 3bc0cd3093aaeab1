package vdm.xen;

import vdm.log.Level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.pci.Sbdf;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.ResetKind;

/** The hardware domain's and a domU's header handling, with Xen's exact log lines. */
class HeaderTest {
    private static final Sbdf NIC = Sbdf.parse("0000:00:03.0");

    private static int ecam(Sbdf s, int reg) {
        return s.bus() << 20 | s.devfn() << 12 | reg;
    }

    /** dom0's driver enabling the e1000: program BAR0, then turn memory decoding on. */
    private static void enable(Xen xen, Vcpu v) {
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfebc0000);
        xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfeb80000);
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0006);
    }

    @Test
    void enablingMemoryDecodingMapsTheBarsOnlyWhenTheVcpuResumes() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfebc0000);
        Vpci vpci = dom0.vpci(NIC);
        vpci.write(v, 0x04, 2, 0x0006);
        assertEquals(0, bus.space("0000:00:03.0").read(0x04, 2), "COMMAND is written after the mapping");
        assertTrue(dom0.p2m().isEmpty());
        assertTrue(v.hasPendingWork());
        assertEquals(1, v.resume());
        assertEquals(0x0006, bus.space("0000:00:03.0").read(0x04, 2));
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L));
        assertTrue(dom0.header(NIC).bar(0).enabled());
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0004);
        assertTrue(dom0.p2m().isEmpty(), "turning decoding off unmaps");
        assertFalse(dom0.header(NIC).bar(0).enabled());
    }

    @Test
    void aCommandWriteReturnsItsDeferredMappingAsDataAndTouchesNothingUntilApplied() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfebc0000);
        PendingMapping work = dom0.vpci(NIC).dispatchWrite(0x04, 2, 0x0006);
        assertTrue(work != null && work.map() && !work.romOnly());
        assertEquals(0x0006, work.command(), "the COMMAND to write last");
        assertTrue(work.p2m() == dom0.p2m(), "the owner's p2m");
        assertEquals(1, work.bars().length, "BAR0 only: the ROM is not enabled");
        assertEquals(0, work.bars()[0].index());
        assertFalse(v.hasPendingWork(), "dispatching attaches nothing: the caller does");
        assertEquals(0, bus.space("0000:00:03.0").read(0x04, 2));
        assertTrue(dom0.p2m().isEmpty());
        v.defer(work);
        assertEquals(1, v.resume());
        assertEquals(0x0006, bus.space("0000:00:03.0").read(0x04, 2));
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L));
        assertEquals(null, dom0.vpci(NIC).dispatchWrite(0x04, 2, 0x0007), "no change of MEMORY: nothing to defer");
        assertEquals(0x0007, bus.space("0000:00:03.0").read(0x04, 2));
    }

    @Test
    void theHardwareWriteReturnsItsEffects() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        PciHardware hw = bus.function(NIC.packed());
        assertEquals(vdm.pci.Effects.COMMAND_MEMORY, hw.write(0x04, 2, 0x0002) & vdm.pci.Effects.COMMAND_MEMORY);
        assertEquals(0, hw.write(0x04, 2, 0x0002), "writing the same value changes nothing");
        assertEquals(0, PciHardware.NONE.write(0x04, 2, 0x0002));
    }

    @Test
    void aBarWriteWhileMappedIsRefusedWithXensLogLine() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Vcpu v = xen.createDom0(Domain.Kind.PVH, 1).vcpu(0);
        enable(xen, v);
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfebc0000);
        assertFalse(xen.log().contains("ignored BAR"), "writing the current value is silent");
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfe000000);
        assertEquals(0xfebc0000, bus.space("0000:00:03.0").read(0x10, 4));
        assertEquals("0000:00:03.0: ignored BAR 0 write while mapped", xen.log().events().getLast().message());
        assertEquals(Level.WARNING, xen.log().events().getLast().level());
        assertTrue(xen.log().dmesg().contains("(XEN) ["));
        assertTrue(xen.log().dmesg().contains("] d0v0 0000:00:03.0: ignored BAR 0 write while mapped"));
    }

    @Test
    void beforeXen417TheTestWasTheMemoryBit() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.NONE, bus);
        Vcpu v = xen.createDom0(Domain.Kind.PVH, 1).vcpu(0);
        enable(xen, v);
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfe000000);
        assertEquals("0000:00:03.0: ignored BAR 0 write with memory decoding enabled", xen.log().events().getLast().message());
    }

    @Test
    void anUnannouncedFlrLeavesTheCacheStaleAndTheRestoreIsDropped() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        enable(xen, v);
        ConfigSpace hw = bus.space("0000:00:03.0");
        hw.reset(ResetKind.FLR); // pciback resets the device; nobody tells Xen
        assertTrue(dom0.header(NIC).bar(0).enabled(), "Xen still believes BAR0 is mapped");
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfebc0000); // pci_restore_state
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0006);
        assertEquals(0, hw.read(0x10, 4), "the device keeps its reset BAR");
        // Xen >= 4.17 drops the restore silently when it writes the address Xen has cached (bar_write avoids the
        // warning for "the current value"); a different address would log "ignored BAR 0 write while mapped".
        assertFalse(xen.log().contains("ignored BAR"));
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfe000000);
        assertTrue(xen.log().contains("0000:00:03.0: ignored BAR 0 write while mapped"));
        assertEquals(0, hw.read(0x10, 4));
        // The cure, as PHYSDEVOP_pci_device_reset does it: rebuild vPCI from the hardware.
        hw.reset(ResetKind.FLR);
        assertEquals(0, xen.rebuildVpci(dom0, NIC));
        assertTrue(dom0.p2m().isEmpty(), () -> dom0.p2m().ranges().toString());
        enable(xen, v);
        assertEquals(0xfebc0000, hw.read(0x10, 4), "the restore is accepted");
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L));
    }

    @Test
    void sixtyFourBitBarsAreTrappedAsLowAndHighHalves() {
        TestBus bus = new TestBus().add("0000:00:05.0", "gpu");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        Sbdf gpu = Sbdf.parse("00:05.0");
        Header h = dom0.header(gpu);
        assertEquals(BarState.Type.MEM64_LO, h.bar(1).type());
        assertEquals(BarState.Type.MEM64_HI, h.bar(2).type());
        assertEquals(256L << 20, h.bar(1).size());
        assertTrue(h.bar(1).prefetchable());
        assertEquals(BarState.Type.IO, h.bar(5).type());
        // dom0 sizes BAR1 through vPCI with decoding off: the hardware answers.
        xen.ecamWrite(v, ecam(gpu, 0x14), 4, 0xffffffff);
        assertEquals(0xf000000c, xen.ecamRead(v, ecam(gpu, 0x14), 4));
        xen.ecamWrite(v, ecam(gpu, 0x14), 4, 0x0000000c);
        xen.ecamWrite(v, ecam(gpu, 0x18), 4, 0x00000040);
        assertEquals(0x40_0000_0000L, h.bar(1).address());
        xen.ecamWrite(v, ecam(gpu, 0x10), 4, 0xf2000000);
        xen.ecamWrite(v, ecam(gpu, 0x04), 2, 0x0002);
        assertEquals(0x40_0000_0000L, dom0.p2m().translate(0x40_0000_0000L));
        xen.ecamWrite(v, ecam(gpu, 0x18), 4, 0x00000080);
        assertTrue(xen.log().contains("ignored BAR 2 write while mapped"), "the high half refuses too");
    }

    @Test
    void aMappedRomIsNotMoved() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        enable(xen, v);
        xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfeb80001);
        assertTrue(dom0.header(NIC).rom().enabled(), "enabling the ROM with decoding on maps it");
        assertEquals(0xfeb80000L, dom0.p2m().translate(0xfeb80000L));
        xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfe000001);
        assertEquals("0000:00:03.0: ignored ROM BAR write while mapped", xen.log().events().getLast().message());
        xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfeb80000);
        assertFalse(dom0.header(NIC).rom().enabled());
        assertEquals(-1, dom0.p2m().translate(0xfeb80000L));
    }

    @Test
    void theLatchedCf8MechanismReachesTheSameVpci() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Vcpu v = xen.createDom0(Domain.Kind.PVH, 1).vcpu(0);
        xen.ioWrite(v, 0xcf8, 4, 0x80000000 | NIC.devfn() << 8);
        assertEquals(0x100e8086, xen.ioRead(v, 0xcfc, 4));
        assertEquals(0x100e, xen.ioRead(v, 0xcfe, 2));
        xen.ioWrite(v, 0xcf8, 4, NIC.devfn() << 8); // enable bit clear
        assertEquals(0xffffffff, xen.ioRead(v, 0xcfc, 4));
        xen.ioWrite(v, 0xcf8, 4, 0x80000000 | 0x1f << 11);
        assertEquals(0xffffffff, xen.ioRead(v, 0xcfc, 4), "no function there");
    }

    @Test
    void aDomuSeesGuestBarsOnlyMsiCapabilitiesAndOnesInTheGaps() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000").add("0000:00:04.0", "e1000e");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Sbdf e = Sbdf.parse("00:04.0");
        xen.ecamWrite(dom0.vcpu(0), ecam(e, 0x10), 4, 0xfe000000);
        Domain domU = xen.createDomainWithVpci(1);
        assertEquals(-Errno.ESRCH, xen.assignDevice(42, e).rc());
        assertEquals(-Errno.ENODEV, xen.assignDevice(domU.id(), Sbdf.parse("00:1f.0")).rc());
        assertEquals(0, xen.assignDevice(domU.id(), e).rc());
        assertEquals(null, dom0.vpci(e), "dom0 no longer traps it");
        Domain other = xen.createDomainWithVpci(1);
        assertEquals(-Errno.EBUSY, xen.assignDevice(other.id(), e).rc(), "held by another domU");
        Vcpu g = domU.vcpu(0);
        assertEquals(0x10d38086, xen.ecamRead(g, ecam(e, 0), 4));
        assertEquals(0xffffffff, xen.ecamRead(g, ecam(NIC, 0), 4), "another domain's device is invisible");
        // Guest BAR sizing works on the guest copy; the device's BAR is untouched.
        xen.ecamWrite(g, ecam(e, 0x10), 4, 0xffffffff);
        assertEquals(0xfffe0000, xen.ecamRead(g, ecam(e, 0x10), 4));
        assertEquals(0xfe000000, bus.space("0000:00:04.0").read(0x10, 4));
        xen.ecamWrite(g, ecam(e, 0x10), 4, 0xf0000000);
        assertEquals(0xf0000000, xen.ecamRead(g, ecam(e, 0x10), 4));
        // Capabilities: MSI (0xd0) then MSI-X (0xa0); PM and PCIe hidden; no extended list.
        int first = xen.ecamRead(g, ecam(e, 0x34), 1);
        assertEquals(0xd0, first);
        assertEquals(0xa005, xen.ecamRead(g, ecam(e, 0xd0), 2));
        assertEquals(0x0011, xen.ecamRead(g, ecam(e, 0xa0), 2));
        assertEquals(0xffffffff, xen.ecamRead(g, ecam(e, 0xc8), 4), "PM is a gap for the guest");
        assertEquals(0, xen.ecamRead(g, ecam(e, 0x100), 4));
        // COMMAND's reserved bits are preserved; memory decoding maps the guest address to the host BAR.
        xen.ecamWrite(g, ecam(e, 0x04), 2, 0xffff & ~0x1);
        assertEquals(0x0506, bus.space("0000:00:04.0").read(0x04, 2));
        assertEquals(0xfe000000L, domU.p2m().translate(0xf0000000L));
        assertEquals(-1, domU.p2m().translate(0xfe000000L), "unmapped MMIO stays unreachable");
        assertEquals(0, xen.deassignDevice(domU.id(), e));
        assertTrue(domU.p2m().isEmpty());
        assertEquals(0x10d38086, xen.ecamRead(dom0.vcpu(0), ecam(e, 0), 4), "back with dom0");
        assertEquals(0, xen.destroyDomain(domU.id()));
    }

    /** Xen 4.13-4.16's header handlers: everything they decide on is read from the hardware. */
    private static final XenConfig XEN_4_16 = XenConfig.NONE;

    @Test
    void barsMappedFollowsTheCommandModifyDecodingWrites() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        Header h = dom0.header(NIC);
        assertFalse(h.barsMapped(), "a new vPCI of a device that does not decode");
        enable(xen, v);
        assertTrue(h.barsMapped());
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0007);
        assertTrue(h.barsMapped(), "other COMMAND bits leave it");
        xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfeb80001);
        assertTrue(h.barsMapped(), "a ROM toggle leaves it");
        PendingMapping off = dom0.vpci(NIC).dispatchWrite(0x04, 2, 0x0004);
        assertTrue(h.barsMapped(), "it changes when the deferred work is done, not before");
        v.defer(off);
        v.resume();
        assertFalse(h.barsMapped());
        assertTrue(dom0.p2m().isEmpty(), "the ROM is unmapped with the BARs");
        // vpci_assign_device on a device that decodes: init_header maps at once.
        bus.space("0000:00:03.0").write(0x04, 2, 0x0002);
        assertEquals(0, xen.rebuildVpci(dom0, NIC));
        assertTrue(dom0.header(NIC).barsMapped());
    }

    @Test
    void decodingClearedBehindXensBackIsStillUnmappedByDom0TurningItOff() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        enable(xen, v);
        ConfigSpace hw = bus.space("0000:00:03.0");
        hw.write(0x04, 2, 0x0000); // COMMAND cleared behind Xen's back
        // cmd_write compares with bars_mapped (true), not with the hardware's COMMAND (already off): it unmaps.
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0000);
        assertFalse(dom0.header(NIC).barsMapped());
        assertFalse(dom0.header(NIC).bar(0).enabled());
        assertTrue(dom0.p2m().isEmpty(), () -> dom0.p2m().ranges().toString());
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfe000000);
        assertFalse(xen.log().contains("ignored BAR"), () -> xen.log().dmesg());
        assertEquals(0xfe000000, hw.read(0x10, 4), "the move reaches the device");
        enable(xen, v);
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L), "mapped where dom0 put it again");
    }

    @Test
    void beforeXen417DecodingClearedBehindXensBackKeepsTheBarsMappedAndTheMoveGoesThrough() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XEN_4_16, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        enable(xen, v);
        ConfigSpace hw = bus.space("0000:00:03.0");
        hw.write(0x04, 2, 0x0000);
        // 4.16's cmd_write reads COMMAND (off) and sees no change: nothing is unmapped.
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0000);
        assertTrue(dom0.header(NIC).bar(0).enabled());
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L));
        // 4.16's bar_write reads COMMAND too (off): the BAR moves under its mapping.
        xen.ecamWrite(v, ecam(NIC, 0x10), 4, 0xfe000000);
        assertFalse(xen.log().contains("ignored BAR"));
        assertEquals(0xfe000000, hw.read(0x10, 4));
        assertEquals(0xfe000000L, dom0.header(NIC).bar(0).address());
        xen.ecamWrite(v, ecam(NIC, 0x04), 2, 0x0006);
        assertEquals(0xfebc0000L, dom0.p2m().translate(0xfebc0000L), "BAR0 counts as mapped: the old range stays");
        assertEquals(-1, dom0.p2m().translate(0xfe000000L));
    }

    @Test
    void aRomToggleAfterDecodingWasClearedBehindXensBackMapsOnXensViewSince417() {
        for (XenConfig config : new XenConfig[] {XenConfig.UPSTREAM, XEN_4_16}) {
            TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
            Xen xen = new Xen(config, bus);
            Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
            Vcpu v = dom0.vcpu(0);
            enable(xen, v);
            bus.space("0000:00:03.0").write(0x04, 2, 0x0000);
            xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfeb80001);
            assertTrue(dom0.header(NIC).romEnabled());
            assertEquals(0xfeb80001, bus.space("0000:00:03.0").read(0x30, 4));
            if (config.vpciTestsMapped()) {
                assertTrue(dom0.header(NIC).rom().enabled(), "4.17+: bars_mapped says decoding is on, so the ROM is mapped");
                assertEquals(0xfeb80000L, dom0.p2m().translate(0xfeb80000L));
            } else {
                assertFalse(dom0.header(NIC).rom().enabled(), "4.16: COMMAND says decoding is off, the register is just written");
                assertEquals(-1, dom0.p2m().translate(0xfeb80000L));
            }
        }
    }

    @Test
    void beforeXen417AnEnabledRomIsNotMovedWhileDecoding() {
        TestBus bus = new TestBus().add("0000:00:03.0", "e1000");
        Xen xen = new Xen(XEN_4_16, bus);
        Vcpu v = xen.createDom0(Domain.Kind.PVH, 1).vcpu(0);
        enable(xen, v);
        xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfeb80001);
        xen.ecamWrite(v, ecam(NIC, 0x30), 4, 0xfe000001);
        assertEquals("0000:00:03.0: ignored ROM BAR write with memory decoding enabled", xen.log().events().getLast().message());
        assertEquals(0xfeb80001, bus.space("0000:00:03.0").read(0x30, 4));
    }

    @Test
    void theIgnoredBarWarningComparesTheAddressBitsOnly() {
        for (XenConfig config : new XenConfig[] {XenConfig.UPSTREAM, XEN_4_16}) {
            TestBus bus = new TestBus().add("0000:00:05.0", "gpu");
            Xen xen = new Xen(config, bus);
            Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
            Vcpu v = dom0.vcpu(0);
            Sbdf gpu = Sbdf.parse("00:05.0");
            xen.ecamWrite(v, ecam(gpu, 0x14), 4, 0xe000000c); // BAR1: 64-bit prefetchable
            xen.ecamWrite(v, ecam(gpu, 0x18), 4, 0x00000000);
            xen.ecamWrite(v, ecam(gpu, 0x10), 4, 0xf2000000);
            xen.ecamWrite(v, ecam(gpu, 0x04), 2, 0x0002);
            assertTrue(dom0.header(gpu).bar(1).enabled());
            // bar_write masks with PCI_BASE_ADDRESS_MEM_MASK before it compares with the cached address.
            xen.ecamWrite(v, ecam(gpu, 0x14), 4, 0xe0000000);
            xen.ecamWrite(v, ecam(gpu, 0x14), 4, 0xe000000f);
            assertFalse(xen.log().contains("ignored BAR"), () -> config + ": " + xen.log().dmesg());
            xen.ecamWrite(v, ecam(gpu, 0x14), 4, 0xd000000c);
            assertTrue(xen.log().contains("0000:00:05.0: ignored BAR 1 write "), () -> config + ": " + xen.log().dmesg());
            assertEquals(0xe000000c, bus.space("0000:00:05.0").read(0x14, 4));
        }
    }
}
