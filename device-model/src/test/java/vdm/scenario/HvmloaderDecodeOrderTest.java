package vdm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.HostDescription;
import vdm.host.WideHost;
import vdm.model.Fix;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.persist.HostJsonReader;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.XenPtDevice;
import vdm.xen.GuestRam;

/**
 * When hvmloader's pci_setup turns decoding on (Xen a8e0c228c7): a function whose BAR1 (256 MiB) and BAR3 (128 MiB) are
 * both 64-bit, in a guest with memory=3840, whose MMIO hole (0xf0000000..0xfc000000) cannot grow over its RAM, so both
 * BARs are relocated above 4 GiB, BAR1 to 0x100000000 and BAR3 to 0x110000000.
 */
class HvmloaderDecodeOrderTest {
    private static final Sbdf GPU = WideHost.GPU;

    private static HostDescription host() throws Exception {
        try (var in = HvmloaderDecodeOrderTest.class.getResourceAsStream("/vdm/replay/hosts/two-64bit-bar-gpu-host.json")) {
            return HostJsonReader.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static Vdm guestWithGpu(boolean decodeLast, int memory) throws Exception {
        Vdm vdm = Vdm.host(host()).fixes(Preset.UPSTREAM.fixes().with(Fix.HVMLOADER_DECODE_LAST, decodeLast)).guestMemory(memory).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(GPU));
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(domid, GPU, GuestPciBus.firstFreeSlot(vdm.libxl().devices(domid)).orElseThrow()).ok());
        return vdm;
    }

    @Test
    void withDecodingOnAfterEachBarBar3sLowHalfIsMappedOverRamAndThatRamIsLost() throws Exception {
        Vdm vdm = guestWithGpu(false, 3840);
        XenPtDevice pt = vdm.libxl().device(GPU);
        GuestBarPlan plan = GuestOps.programBars(vdm, pt);
        assertEquals(0x1_1000_0000L, plan.of(pt.guestSlot() << 3).stream().filter(p -> p.bar() == 3).findFirst().orElseThrow().address());
        // BAR1 turned decoding on; BAR3's low half 0x1000000c then put the BAR at 0x10000000 for QEMU
        assertEquals(List.of(new GuestRam.Lost(0x10000, 0x8000, new vdm.xen.P2m.Owner(GPU, 3))), pt.guest().ram().lost());
        assertEquals(0x8010000L << 12, pt.guest().p2m().translate(0x1_1000_0000L), "BAR3 ends up where hvmloader put it");
    }

    @Test
    void withDecodingOnAfterAllBarsNoRamIsTaken() throws Exception {
        Vdm vdm = guestWithGpu(true, 3840);
        XenPtDevice pt = vdm.libxl().device(GPU);
        GuestOps.programBars(vdm, pt);
        assertTrue(pt.guest().ram().lost().isEmpty(), pt.guest().ram().lost()::toString);
        assertEquals(0x8010000L << 12, pt.guest().p2m().translate(0x1_1000_0000L));
    }

    @Test
    void aSmallGuestsHoleGrowsSoNoBarGoesAbove4GiBAndTheOldOrderTakesNoRam() throws Exception {
        Vdm vdm = guestWithGpu(false, 1024);
        XenPtDevice pt = vdm.libxl().device(GPU);
        GuestBarPlan plan = GuestOps.programBars(vdm, pt);
        assertTrue(plan.placements().stream().noneMatch(p -> p.space() == GuestBarPlan.Space.MEMORY_HIGH), plan.placements()::toString);
        assertTrue(pt.guest().ram().lost().isEmpty());
    }
}
