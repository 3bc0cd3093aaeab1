package vdm.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.host.BarRegion;
import vdm.host.BridgeDescriptor;
import vdm.host.DefaultHost;
import vdm.host.FunctionSource;
import vdm.host.Host;
import vdm.host.HostBuilder;
import vdm.host.IntxPin;
import vdm.host.LayoutSpec;
import vdm.host.PhysicalFunction;
import vdm.host.WideHost;
import vdm.host.Window;
import vdm.log.StepBus;
import vdm.model.Preset;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;
import vdm.xen.Domain;
import vdm.xen.Xen;
import vdm.xen.XenConfig;

/**
 * The boot-time allocator per bridge window (pci_assign_unassigned_resources, drivers/pci/setup-bus.c): each BAR in a
 * window of the bridge above it, naturally aligned, inside the window, unique; and Linux's messages for one that fits
 * nowhere. Expected addresses follow __pci_assign_resource's order of tries and pdev_sort_resources' order.
 */
class BridgeWindowAllocationTest {
    static final Sbdf PORT = Sbdf.parse("0000:00:1c.0"), FIRST = Sbdf.parse("0000:02:00.0"), SECOND = Sbdf.parse("0000:02:00.1");

    static HostBuilder behindOnePort(Window io, Window memory, Window prefetchable) {
        return Host.builder()
                .rootBridge(0)
                .ioApic(0, 0xfec0_0000L, 0, 24)
                .bridge(BridgeDescriptor.of(PORT, new FunctionSource.Catalog("pcie-root-port"), 2, 2).withWindows(io, memory, prefetchable))
                .prt(0, 0x1c, IntxPin.A, 16)
                .prt(2, 0, IntxPin.A, 17);
    }

    static Dom0Kernel boot(Host host) {
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        xen.createDom0(Domain.Kind.PVH, 1);
        Dom0Kernel k = new Dom0Kernel(host, xen, Preset.UPSTREAM.fixes(), new StepBus());
        k.boot();
        return k;
    }

    /**
     * What Xen logged once dom0's kernel ran: vPCI's set-up before it (init_header, with the firmware's COMMAND) is
     * Xen's and the firmware's, not the allocator's.
     */
    static List<String> xenLinesOfTheBoot(Dom0Kernel k, long before) {
        return k.xen().log().events().stream().filter(e -> e.sequence() > before).map(e -> e.message()).toList();
    }

    static long lastXenLine(Xen xen) {
        var events = xen.log().events();
        return events.isEmpty() ? 0 : events.getLast().sequence();
    }

    static Dom0Kernel bootCounting(Host host, long[] before) {
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        xen.createDom0(Domain.Kind.PVH, 1);
        before[0] = lastXenLine(xen);
        Dom0Kernel k = new Dom0Kernel(host, xen, Preset.UPSTREAM.fixes(), new StepBus());
        k.boot();
        return k;
    }

    @Test
    void twoFunctionsBehindOneBridgeShareItsMemoryWindowWithoutOverlapLargestFirst() {
        Host host = behindOnePort(null, new Window(0xfe00_0000L, 0xfe1f_ffffL), null)
                .device(FIRST.toString(), LayoutSpec.endpoint("a", 0x8086, 0x1001, 0x020000).withBar(0, Bar.mem32(0x4000)))
                .device(SECOND.toString(), LayoutSpec.endpoint("b", 0x8086, 0x1002, 0x020000).withBar(0, Bar.mem32(0x10_0000))
                        .withBar(1, Bar.mem64(0x1000)))
                .build().enumerate();
        boot(host);
        assertEquals(0xfe00_0000L, host.require(SECOND).barAddress(0), "the 1 MiB BAR first, at the window's base");
        assertEquals(0xfe10_0000L, host.require(FIRST).barAddress(0), "16 KiB next");
        assertEquals(0xfe10_4000L, host.require(SECOND).barAddress(1),
                "a non-prefetchable 64-bit BAR in the (32-bit) memory window, after the others");
        assertEquals(0xe000_0000L, host.require(PORT).barAddress(0), "the bridge's own BAR0 on the root bus");
    }

    @Test
    void aBarThatDoesNotFitTheWindowIsNotAssignedLogsLinuxsLinesAndIsLeftOutOfTheEnable() {
        // A 1 MiB window: the 1 MiB BAR takes it, the nvme's 16 KiB 64-bit BAR0 finds no space.
        Host host = behindOnePort(null, new Window(0xfe00_0000L, 0xfe0f_ffffL), null)
                .device(FIRST.toString(), "nvme")
                .device(SECOND.toString(), LayoutSpec.endpoint("b", 0x8086, 0x1002, 0x020000).withBar(0, Bar.mem32(0x10_0000)))
                .build().enumerate();
        Dom0Kernel k = boot(host);
        assertEquals(0xfe00_0000L, host.require(SECOND).barAddress(0));
        assertEquals(0, host.require(FIRST).barAddress(0), "left unassigned");
        List<String> lines = k.log().lines().stream().map(KernelLog.Line::text).filter(t -> t.startsWith("pci 0000:02:00.0: BAR")).toList();
        assertEquals(List.of("pci 0000:02:00.0: BAR 0 [mem size 0x00004000 64bit]: can't assign; no space",
                "pci 0000:02:00.0: BAR 0 [mem size 0x00004000 64bit]: failed to assign"), lines);
        assertEquals(0, k.assigned(FIRST, 0), "reset_resource: the kernel holds no resource for it");
        // pci_enable_resources skips a reset resource (flags 0): the device enables, without memory decoding.
        assertTrue(k.enabled(FIRST));
        assertEquals(0, host.read(FIRST, ConfigRegisters.COMMAND, 2) & ConfigRegisters.COMMAND_MEMORY);
        assertTrue(k.xen().log().matching(e -> e.message().contains("0000:02:00.0")).isEmpty(), "vPCI mapped nothing");
    }

    @Test
    void anIoBarBehindABridgeWithoutAnIoWindowIsNotAssignedButItsMemoryBarIs() {
        Host host = behindOnePort(null, new Window(0xfe00_0000L, 0xfe0f_ffffL), null).device(FIRST.toString(), "e1000").build().enumerate();
        PhysicalFunction e1000 = host.require(FIRST);
        assertEquals(BarKind.IO, e1000.barKind(1));
        Dom0Kernel k = boot(host);
        assertEquals(0, e1000.barAddress(1));
        assertTrue(k.log().contains(String.format("pci 0000:02:00.0: BAR 1 [io  size %#06x]: can't assign; no space", e1000.barSize(1))));
        assertEquals(0xfe00_0000L, e1000.romAddress(), "the 256 KiB ROM first, the larger alignment");
        assertEquals(0xfe04_0000L, e1000.barAddress(0), "the 128 KiB memory BAR after it, in the memory window");
        assertEquals(ConfigRegisters.COMMAND_MEMORY, host.read(FIRST, ConfigRegisters.COMMAND, 2) & 3, "no IO decoding");
    }

    @Test
    void anIoBarBehindABridgeWithAnIoWindowGetsPortsInIt() {
        Host host = behindOnePort(new Window(0xd000, 0xdfff), new Window(0xfe00_0000L, 0xfe0f_ffffL), null)
                .device(FIRST.toString(), "e1000").build().enumerate();
        boot(host);
        assertEquals(0xd000, host.require(FIRST).barAddress(1));
    }

    @Test
    void sixtyFourBitPrefetchableBarsGoInTheWindowAboveFourGiBAndTheRestInTheMemoryWindow() {
        Host host = WideHost.build();
        boot(host);
        PhysicalFunction gpu = host.require(WideHost.GPU);
        assertEquals(0x80_0000_0000L, gpu.barAddress(1), "256 MiB at the prefetchable window's base");
        assertEquals(0x80_1000_0000L, gpu.barAddress(3), "32 MiB after it");
        assertEquals(0xfc00_0000L, gpu.barAddress(0), "the 32-bit BAR in the memory window");
        assertTrue(new Window(0xfc00_0000L, 0xfdff_ffffL).contains(gpu.romAddress(), gpu.romSize()), "the ROM in the memory window");
        assertTrue(new Window(0xe000, 0xefff).contains(gpu.barAddress(5), gpu.barSize(5)), "the IO BAR in the IO window");
    }

    @Test
    void aSixtyFourBitPrefetchableBarBehindABridgeWithoutAPrefetchableWindowGoesInTheMemoryWindow() {
        Host host = behindOnePort(null, new Window(0xfe00_0000L, 0xfe1f_ffffL), null)
                .device(FIRST.toString(), LayoutSpec.endpoint("a", 0x8086, 0x1001, 0x030000).withBar(0, Bar.mem64(0x10_0000).asPrefetchable()))
                .build().enumerate();
        boot(host);
        assertEquals(0xfe00_0000L, host.require(FIRST).barAddress(0));
    }

    @Test
    void onWideHostEveryBarIsAssignedInsideItsBusesRangesAndNoTwoOverlap() {
        Host host = WideHost.build();
        long[] before = new long[1];
        Dom0Kernel k = bootCounting(host, before);
        assertNoOverlap(host);
        assertEquals(List.of(), xenLinesOfTheBoot(k, before[0]), "no BAR left at 0 (invalid position), none mapped over another (-17)");
        assertFalse(k.log().contains("can't assign"));
        for (PhysicalFunction f : host.functions()) {
            if (f.sbdf().equals(WideHost.HOST_BRIDGE)) continue;
            for (BarRegion r : f.regions()) assertTrue(r.address() != 0, f.sbdf() + " BAR" + r.index() + " assigned");
        }
    }

    @Test
    void onTheDefaultHostTheRootPortsBar0GetsAnAddressAndNothingOverlaps() {
        Host host = DefaultHost.build();
        long[] before = new long[1];
        Dom0Kernel k = bootCounting(host, before);
        long bar0 = host.require(DefaultHost.ROOT_PORT).barAddress(0);
        assertTrue(host.rootBusRanges().memory().contains(bar0, 0x1000), Long.toHexString(bar0));
        assertFalse(new Window(0xfe80_0000L, 0xfe8f_ffffL).contains(bar0, 1), "not in its own window: that is the secondary bus's");
        assertEquals(List.of(), xenLinesOfTheBoot(k, before[0]));
        assertNoOverlap(host);
    }

    static void assertNoOverlap(Host host) {
        record Placed(Sbdf sbdf, BarRegion r) {}
        List<Placed> all = new ArrayList<>();
        for (PhysicalFunction f : host.functions()) for (BarRegion r : f.regions()) if (r.address() != 0) all.add(new Placed(f.sbdf(), r));
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                Placed a = all.get(i), b = all.get(j);
                if ((a.r().kind() == BarKind.IO) != (b.r().kind() == BarKind.IO)) continue;
                boolean overlap = a.r().address() < b.r().address() + b.r().size() && b.r().address() < a.r().address() + a.r().size();
                assertFalse(overlap, a + " overlaps " + b);
                assertEquals(0, a.r().address() % a.r().size(), a + " naturally aligned");
            }
        }
    }
}
