package vdm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.HostDescription;
import vdm.host.PhysicalFunction;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.pci.layout.BarKind;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.XenPtDevice;

class GuestBarPlanTest {
    record Case(String host, HostDescription description, Sbdf device) {
        @Override public String toString() { return host + " " + device; }
    }

    static List<Case> gpus() {
        return List.of(new Case("default", DefaultHost.description(), DefaultHost.GPU), new Case("default", DefaultHost.description(), DefaultHost.NIC),
                new Case("wide", WideHost.description(), WideHost.GPU), new Case("wide", WideHost.description(), WideHost.VIRTIO_NET));
    }

    private static XenPtDevice attached(Vdm vdm, Sbdf device) {
        assertEquals(0, vdm.libxl().pciAssignableAdd(device));
        int domid = vdm.libxl().domainCreate(1);
        int slot = GuestPciBus.firstFreeSlot(vdm.libxl().devices(domid)).orElseThrow();
        assertTrue(vdm.libxl().pciAttach(domid, device, slot).ok());
        return vdm.libxl().device(device);
    }

    @ParameterizedTest
    @MethodSource("gpus")
    void everyBarGetsItsOwnAlignedAddressInsideItsGuestWindow(Case c) {
        Vdm vdm = Vdm.host(c.description()).preset(Preset.UPSTREAM).build();
        XenPtDevice pt = attached(vdm, c.device());
        GuestBarPlan plan = GuestBarPlan.forGuest(vdm.libxl().devices(pt.guest().id()));
        PhysicalFunction f = vdm.host().require(c.device());
        int bars = 0;
        for (int n = 0; n < f.layout().barCount(); n++) if (f.barImplemented(n)) bars++;
        if (f.romSize() > 0) bars++;
        List<GuestBarPlan.Placement> mine = plan.of(pt.guestSlot() << 3);
        assertEquals(bars, mine.size(), "every BAR and the ROM of the device is sized through the guest's view: " + mine);
        for (GuestBarPlan.Placement p : plan.placements()) {
            assertTrue(p.placed(), "no space for " + p);
            assertEquals(0, p.address() & (p.size() - 1), "naturally aligned: " + p);
            switch (p.space()) {
                case IO -> assertTrue(p.address() >= GuestBarPlan.IO_START && p.end() <= GuestBarPlan.IO_END, p.toString());
                case MEMORY_LOW -> assertTrue(p.address() >= plan.holeStart() && p.end() <= GuestBarPlan.MMIO_HOLE_END, p.toString());
                case MEMORY_HIGH -> assertTrue(p.is64() && p.address() >= 1L << 32, p.toString());
            }
            if (p.bar() < 6 && p.devfn() == pt.guestSlot() << 3) {
                assertEquals(f.barSize(p.bar()), p.size(), "the guest sizes the host's BAR: " + p);
                assertEquals(f.barKind(p.bar()) == BarKind.MEM64, p.is64(), p.toString());
            }
            for (GuestBarPlan.Placement q : plan.placements()) {
                boolean sameSpace = (p.space() == GuestBarPlan.Space.IO) == (q.space() == GuestBarPlan.Space.IO);
                if (p != q && sameSpace) assertTrue(p.end() <= q.address() || q.end() <= p.address(), p + " overlaps " + q);
            }
        }
    }

    @Test
    void theLargestBarGoesFirstAtTheHolesStartAsHvmloaderPlacesThem() {
        // The Cirrus VGA's 32 MiB framebuffer is the largest BAR beside the e1000e's: it opens the hole at
        // HVM_BELOW_4G_MMIO_START, the xen-platform's 16 MiB follows, then the e1000e's ROM and BARs, largest first.
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        XenPtDevice pt = attached(vdm, DefaultHost.NIC);
        assertEquals(4, pt.guestSlot(), "slots 0..3: i440FX, PIIX3, VGA, xen-platform");
        GuestBarPlan plan = GuestBarPlan.forGuest(vdm.libxl().devices(pt.guest().id()));
        assertEquals(0xf000_0000L, plan.holeStart());
        assertEquals(0xf000_0000L, plan.of(0x10).stream().filter(p -> p.bar() == 0).findFirst().orElseThrow().address());
        assertEquals(0xf200_0000L, plan.of(0x18).stream().filter(p -> p.bar() == 1).findFirst().orElseThrow().address());
        long rom = vdm.host().require(DefaultHost.NIC).romSize();
        assertTrue(rom > vdm.host().require(DefaultHost.NIC).barSize(0), "the e1000e's ROM is larger than its BAR0");
        assertEquals(0xf300_0000L, plan.of(pt.guestSlot() << 3).stream().filter(p -> p.bar() == 6).findFirst().orElseThrow().address());
        assertEquals(0xf300_0000L + rom, GuestOps.guestBar0(plan, pt));
        assertEquals(0xc000L, plan.of(0x18).stream().filter(p -> p.bar() == 0).findFirst().orElseThrow().address(), "the platform's 256 ports first");
        long last = 0;
        long lastSize = Long.MAX_VALUE;
        for (GuestBarPlan.Placement p : plan.placements()) {
            if (p.space() != GuestBarPlan.Space.MEMORY_LOW) continue;
            assertTrue(p.size() <= lastSize && p.address() > last, "largest first, upwards: " + p);
            last = p.address();
            lastSize = p.size();
        }
    }

    @Test
    void theGuestReachesTheDevicesBar0AtItsPlannedAddress() {
        for (HostDescription d : List.of(DefaultHost.description(), WideHost.description())) {
            Vdm vdm = Vdm.host(d).preset(Preset.UPSTREAM).build();
            Sbdf device = d == DefaultHost.description() ? DefaultHost.GPU : WideHost.GPU;
            XenPtDevice pt = attached(vdm, device);
            long machine = GuestOps.programBar0(vdm, pt);
            assertEquals(vdm.host().require(device).barAddress(0), machine, "guest BAR0 maps onto the device's BAR0 on " + device);
        }
    }

    @Test
    void aSecondDeviceGetsTheNextSlotAndBarsThatDoNotOverlapTheFirstOnes() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        XenPtDevice gpu = attached(vdm, WideHost.GPU);
        assertEquals(0, vdm.libxl().pciAssignableAdd(WideHost.NIC));
        int slot = GuestPciBus.firstFreeSlot(vdm.libxl().devices(gpu.guest().id())).orElseThrow();
        assertEquals(gpu.guestSlot() + 1, slot);
        assertTrue(vdm.libxl().pciAttach(gpu.guest().id(), WideHost.NIC, slot).ok());
        GuestBarPlan plan = GuestBarPlan.forGuest(vdm.libxl().devices(gpu.guest().id()));
        assertTrue(plan.of(slot << 3).size() > 0 && plan.of(gpu.guestSlot() << 3).size() > 0);
    }
}
