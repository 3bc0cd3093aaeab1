package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.pci.cap.Msi;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;

/**
 * MAP_PIRQ_TYPE_MULTI_MSI as Xen handles it (physdev.c; irq.c allocate_pirq's power-of-two block from the top,
 * map_domain_pirq's irq per vector; msi.c msi_capability_init's Multiple Message Enable and write_msi_msg of the
 * first entry only; unmap_domain_pirq refusing a secondary pirq), on a host with a device offering 8 MSI vectors.
 */
class MultiMsiTest {
    static final Sbdf DEV = Sbdf.parse("0000:00:05.0");
    static final int POS = 0x50;

    static Host buildHost() {
        Layout multi = Layout.type0("multi-msi").ids(0x8086, 0x1234).classCode(0x028000)
                .bar(0, Bar.mem32(64 * 1024)).interruptPin(1)
                .capability(new Msi(8).address64().perVectorMask().at(POS))
                .build();
        return Host.builder().rootBridge(0).ioApic(0, 0xfec0_0000L, 0, 24)
                .device("0000:00:00.0", vdm.host.LayoutSpec.endpoint("host-bridge", 0x8086, 0x29c0, 0x060000))
                .device(DEV.toString(), multi)
                .prt(0, 5, vdm.host.IntxPin.A, 20)
                .build().enumerate();
    }

    record Rig(Host host, Xen xen, Domain dom0, Domain guest) {
        static Rig make() {
            Host host = buildHost();
            Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
            Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
            Domain guest = xen.createDomain(4);
            xen.assignDevice(guest.id(), DEV);
            return new Rig(host, xen, dom0, guest);
        }

        PhysdevOps.PirqResult multi(int n) {
            return xen.physdev().mapPirq(dom0, new PhysdevOps.MapPirq(guest.id(), PhysdevOps.MAP_PIRQ_TYPE_MULTI_MSI, -1, -1, DEV.bus(),
                    DEV.devfn(), n, 0));
        }
    }

    @Test
    void aBlockOfThreeBecomesFourPirqsAndIrqsWithAlignedVectorsAndMultipleMessageEnableOfFour() {
        Rig r = Rig.make();
        PhysicalFunction f = r.host().require(DEV);
        PhysdevOps.PirqResult res = r.multi(3);
        assertEquals(0, res.rc(), r.xen().log().dmesg());
        assertEquals(Xen.NR_PIRQS - 4, res.pirq(), "get_free_pirqs: the lowest pirq of the highest free block of four");
        int first = r.xen().msi().descState(r.guest().pirqs().irq(res.pirq())).vector();
        assertEquals(0, first % 4, "the block's vectors are aligned to its size");
        for (int i = 0; i < 4; i++) {
            int irq = r.guest().pirqs().irq(res.pirq() + i);
            assertTrue(irq > 0, "pirq " + (res.pirq() + i) + " is mapped");
            MsiIrqs.DescState d = r.xen().msi().descState(irq);
            assertEquals(i, d.entryNr());
            assertEquals(i == 0 ? 4 : 0, d.nvec(), "msi.nvec on the first entry only");
            assertEquals(first + i, d.vector());
        }
        assertEquals(2 << 4, f.read(POS + 2, 2) & 0x70, "Multiple Message Enable: 4 vectors");
        assertEquals(0x4000 | first, f.read(POS + 12, 2), "only the first entry writes the data register");
        assertEquals(0xff, f.read(POS + 16, 4), "every vector the device offers is masked");

        // The device's third message (data + 2) reaches the third pirq's binding.
        int pirq2 = res.pirq() + 2;
        assertEquals(0, r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), pirq2, 0x72, MsiGflags.of(0x72, 0xfee00000L, false), 0));
        assertEquals(0xfb, f.read(POS + 16, 4), "the bound, unmasked vector's mask bit alone is clear");
        r.xen().msi().message(0xfee00000L, 0x4000 | (first + 2));
        assertEquals(1, r.guest().msiReceipts().count(0x72));
        r.xen().msi().message(0xfee00000L, 0x4000 | (first + 1));
        assertEquals(1, r.guest().msiReceipts().total(), "the second vector is mapped but not bound");

        assertEquals(-Errno.EBUSY, r.xen().physdev().unmapPirq(r.dom0(), r.guest().id(), pirq2));
        assertTrue(r.xen().log().contains("dom" + r.guest().id() + ": trying to unmap secondary MSI pirq " + pirq2));
        assertEquals(0, r.xen().physdev().unmapPirq(r.dom0(), r.guest().id(), res.pirq()));
        assertEquals(0, r.guest().pirqs().mappings().length, "the whole block goes");
        assertNull(r.xen().msi().binding(r.guest(), pirq2), "the bound secondary was unbound");
        assertEquals(0, r.xen().msi().capture().descs().length);
    }

    @Test
    void aBlockOutOfRangeIsEdomAndMoreThanTheDeviceOffersIsEnfile() {
        Rig r = Rig.make();
        assertEquals(-Errno.EDOM, r.multi(0).rc());
        assertEquals(-Errno.EDOM, r.multi(33).rc());
        assertEquals(-Errno.ENFILE, r.multi(16).rc(), "msi_capability_init answers msi_maxvec (8): -ENFILE");
        assertEquals(0, r.guest().pirqs().mappings().length);
        assertEquals(0, r.xen().msi().capture().descs().length);
        assertEquals(0, r.xen().msi().capture().createdIrqs().length, "every irq the failed calls created is destroyed");
        assertEquals(-Errno.EINVAL, r.xen().physdev().mapPirq(r.dom0(), new PhysdevOps.MapPirq(r.guest().id(),
                PhysdevOps.MAP_PIRQ_TYPE_MULTI_MSI, -1, -1, DEV.bus(), DEV.devfn(), 2, 0xfe000000L)).rc(), "MULTI_MSI with a table base");
        assertEquals(0, r.multi(8).rc());
    }

    @Test
    void lowestPriorityDeliveryRotatesOverTheMatchingVcpusAndFixedBroadcastReachesEvery() {
        Rig r = Rig.make();
        PhysdevOps.PirqResult res = r.xen().physdev().mapPirq(r.dom0(), new PhysdevOps.MapPirq(r.guest().id(), PhysdevOps.MAP_PIRQ_TYPE_MSI, -1, -1,
                DEV.bus(), DEV.devfn(), 0, 0));
        assertEquals(0, res.rc());
        MsiIrqs.DescState d = r.xen().msi().descState(r.guest().pirqs().irq(res.pirq()));
        // Logical destination 0b0110 (vCPUs 1 and 2), lowest priority (delivery mode 1).
        int lowest = MsiGflags.of(0x100 | 0x45, 0xfee06004L, false);
        r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), res.pirq(), 0x45, lowest, 0);
        int[] seen = new int[4];
        for (int i = 0; i < 4; i++) {
            r.xen().msi().message(MsiIrqs.composeAddress(d.destApic()), MsiIrqs.composeData(d.vector()));
            seen[i] = r.guest().msiReceipts().destination(0x45);
        }
        assertEquals(4, r.guest().msiReceipts().count(0x45));
        assertEquals(java.util.List.of(2, 4, 2, 4), java.util.Arrays.stream(seen).boxed().toList(), "APIC ids 2 and 4 in turn");
        int broadcast = MsiGflags.of(0x46, 0xfeeff000L, false);
        r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), res.pirq(), 0x46, broadcast, 0);
        r.xen().msi().message(MsiIrqs.composeAddress(d.destApic()), MsiIrqs.composeData(d.vector()));
        assertEquals(4, r.guest().msiReceipts().count(0x46), "fixed delivery to 0xff: every vLAPIC takes it");
        int nmi = MsiGflags.of(0x400 | 0x47, 0xfee00000L, false);
        r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), res.pirq(), 0x47, nmi, 0);
        r.xen().msi().message(MsiIrqs.composeAddress(d.destApic()), MsiIrqs.composeData(d.vector()));
        assertEquals(0, r.guest().msiReceipts().count(0x47));
        assertTrue(r.xen().log().contains("Unsupported MSI delivery mode 4 for Dom" + r.guest().id()), r.xen().log().dmesg());
    }

    @Test
    void aMessageToAnotherCpuOrAVectorWithNoIrqIsNoIrqHandler() {
        Rig r = Rig.make();
        r.xen().msi().message(0xfee00000L, 0x4000 | 0x99);
        assertTrue(r.xen().log().contains("CPU0: No irq handler for vector 99 (IRQ -2147483648, LAPIC)"), r.xen().log().dmesg());
        r.xen().msi().message(0xfee03000L, 0x4000 | 0x31);
        assertTrue(r.xen().log().contains("CPU3: No irq handler for vector 31 (IRQ -2147483648, LAPIC)"), r.xen().log().dmesg());
    }

    @Test
    void theMsiStateCapturesAndRestoresExactly() {
        Rig r = Rig.make();
        PhysdevOps.PirqResult res = r.multi(2);
        r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), res.pirq(), 0x55, MsiGflags.of(0x55, 0xfee02000L, false), 0);
        MsiIrqs.State saved = r.xen().msi().capture();
        MsiReceipts.State receipts = r.guest().msiReceipts().capture();
        r.xen().physdev().unmapPirq(r.dom0(), r.guest().id(), res.pirq());
        assertEquals(0, r.xen().msi().capture().descs().length);
        r.xen().msi().restore(saved);
        r.guest().msiReceipts().restore(receipts);
        MsiIrqs.State again = r.xen().msi().capture();
        assertEquals(java.util.List.of(saved.descs()), java.util.List.of(again.descs()));
        assertEquals(java.util.List.of(saved.bindings()), java.util.List.of(again.bindings()));
        assertEquals(java.util.Arrays.toString(saved.createdIrqs()), java.util.Arrays.toString(again.createdIrqs()));
    }

    @Test
    void messagesFromTwoCpusAtOnceAreAllCounted() throws Exception {
        Rig r = Rig.make();
        PhysdevOps.PirqResult res = r.xen().physdev().mapPirq(r.dom0(), new PhysdevOps.MapPirq(r.guest().id(), PhysdevOps.MAP_PIRQ_TYPE_MSI, -1, -1,
                DEV.bus(), DEV.devfn(), 0, 0));
        r.xen().domctls().bindPtIrqMsi(r.dom0(), r.guest().id(), res.pirq(), 0x58, MsiGflags.of(0x58, 0xfee00000L, false), 0);
        MsiIrqs.DescState d = r.xen().msi().descState(r.guest().pirqs().irq(res.pirq()));
        long address = MsiIrqs.composeAddress(d.destApic());
        int data = MsiIrqs.composeData(d.vector());
        int each = 200_000;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        Runnable fire = () -> {
            try {
                start.await();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            for (int i = 0; i < each; i++) r.xen().msi().message(address, data);
        };
        Thread other = Thread.ofPlatform().start(fire);
        fire.run();
        other.join();
        assertEquals(2L * each, r.guest().msiReceipts().count(0x58), "no count lost between the two");
    }

    @Test
    void msiSegTakesTheSegmentFromTheBusUpperHalfAndPlainMsiMeansSegmentZero() {
        Sbdf seg1 = Sbdf.parse("0001:00:05.0");
        Layout multi = Layout.type0("multi-msi").ids(0x8086, 0x1234).classCode(0x028000).bar(0, Bar.mem32(64 * 1024))
                .capability(new Msi(2).at(POS)).build();
        Host host = Host.builder().rootBridge(0).rootBridge(1, 0).ioApic(0, 0xfec0_0000L, 0, 24)
                .device("0000:00:00.0", vdm.host.LayoutSpec.endpoint("host-bridge", 0x8086, 0x29c0, 0x060000))
                .device(seg1.toString(), multi)
                .build().enumerate();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Domain guest = xen.createDomain(1);
        xen.assignDevice(guest.id(), seg1);
        assertEquals(-Errno.ENODEV, xen.physdev().mapPirq(dom0, new PhysdevOps.MapPirq(guest.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI, -1, -1,
                1 << 16, seg1.devfn(), 0, 0)).rc(), "MAP_PIRQ_TYPE_MSI is segment 0 and the bus its low byte: 0000:00:05.0 is absent");
        PhysdevOps.PirqResult r = xen.physdev().mapPirq(dom0, new PhysdevOps.MapPirq(guest.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI_SEG, -1, -1,
                1 << 16, seg1.devfn(), 0, 0));
        assertEquals(0, r.rc(), xen.log().dmesg());
        assertEquals(seg1, xen.msi().descState(guest.pirqs().irq(r.pirq())).sbdf());
        assertEquals(0xfee00000, host.require(seg1).read(POS + 4, 4), "a 32-bit MSI capability: address then data at +8");
        assertEquals(0x4000 | xen.msi().descState(guest.pirqs().irq(r.pirq())).vector(), host.require(seg1).read(POS + 8, 2));
    }

    @Test
    void theFormWithoutADeviceStillMapsAndUnmapsAnMsiIrq() {
        Rig r = Rig.make();
        PhysdevOps.PirqResult res = r.xen().physdev().mapPirq(r.dom0(), r.guest().id(), PhysdevOps.MAP_PIRQ_TYPE_MSI, -1, -1);
        assertEquals(0, res.rc());
        int irq = r.guest().pirqs().irq(res.pirq());
        assertNull(r.xen().msi().descState(irq), "no device: no msi_desc");
        assertEquals(-Errno.EINVAL, r.xen().msi().createBind(r.guest(), res.pirq(), 0x40, 0, 0), "nothing to bind without a descriptor");
        assertEquals(0, r.xen().physdev().unmapPirq(r.dom0(), r.guest().id(), res.pirq()));
        assertEquals(0, r.guest().pirqs().irq(res.pirq()));
        assertEquals(0, r.xen().msi().capture().createdIrqs().length, "the irq is destroyed");
        assertTrue(!r.guest().irqPermitted(irq));
    }
}
