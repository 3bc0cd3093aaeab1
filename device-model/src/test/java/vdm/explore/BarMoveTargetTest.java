package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.host.Window;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;

class BarMoveTargetTest {
    private static void landsInsideItsWindow(Host host, Sbdf device, Window expected) {
        landsInsideItsWindow(host, device, 0, expected);
    }

    private static void landsInsideItsWindow(Host host, Sbdf device, int n, Window expected) {
        PhysicalFunction f = host.require(device);
        long to = BarMoveTarget.of(host, f, n).orElseThrow();
        long size = f.barSize(n);
        assertNotEquals(f.barAddress(n), to, device + " moves somewhere else");
        assertEquals(0, to & (size - 1), "aligned");
        assertTrue(expected.contains(to, size), String.format("%s BAR0 to 0x%x inside %s", device, to, expected));
        for (PhysicalFunction g : host.functions()) {
            for (int k = 0; k < g.layout().barCount(); k++) {
                if (!g.barImplemented(k) || (g == f && k == n) || g.barAddress(k) == 0) continue;
                if ((g.barKind(k) == vdm.pci.layout.BarKind.IO) != (f.barKind(n) == vdm.pci.layout.BarKind.IO)) continue;
                long a = g.barAddress(k);
                assertTrue(to + size <= a || a + g.barSize(k) <= to, String.format("0x%x overlaps %s BAR%d at 0x%x", to, g.sbdf(), k, a));
            }
        }
    }

    @Test
    void behindARootPortTheMoveStaysInsideTheBridgesWindow() {
        Host d = Vdm.defaultHost().preset(Preset.UPSTREAM).build().host();
        landsInsideItsWindow(d, DefaultHost.NVME, new Window(0xfe80_0000L, 0xfe8f_ffffL));
        Host w = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build().host();
        landsInsideItsWindow(w, WideHost.NVME, new Window(0xfe00_0000L, 0xfe0f_ffffL));
        // The wide host's gpu: its 64-bit prefetchable BAR3 (32 MiB) moves in the root port's prefetchable window above
        // 4 GiB. (BAR1, 256 MiB, has no other aligned place there: the 512 MiB window holds BAR1, then BAR3 at +256 MiB.)
        PhysicalFunction gpu = w.require(WideHost.GPU);
        assertTrue(gpu.barPrefetchable(3) && gpu.barKind(3) == vdm.pci.layout.BarKind.MEM64);
        landsInsideItsWindow(w, WideHost.GPU, 3, gpu.upstream().orElseThrow().prefetchableWindow().orElseThrow());
        assertTrue(BarMoveTarget.of(w, gpu, 1).isEmpty(), "no free 256 MiB-aligned place for BAR1 in its window");
        // Its 32-bit BAR0 shares the 32 MiB memory window with the second function: wherever it goes, it stays inside.
        BarMoveTarget.of(w, gpu, 0).ifPresent(to -> assertTrue(gpu.upstream().orElseThrow().memoryWindow().orElseThrow().contains(to, gpu.barSize(0))));
    }

    @Test
    void onTheRootBusTheMoveStaysOutOfEveryBridgesWindows() {
        Host d = Vdm.defaultHost().preset(Preset.UPSTREAM).build().host();
        for (Sbdf s : List.of(DefaultHost.NIC, DefaultHost.GPU)) {
            PhysicalFunction f = d.require(s);
            Window root = BarMoveTarget.window(d, f, 0).orElseThrow();
            landsInsideItsWindow(d, s, root);
            long to = BarMoveTarget.of(d, f, 0).orElseThrow();
            Window bridge = d.require(DefaultHost.ROOT_PORT).asBridge().orElseThrow().memoryWindow().orElseThrow();
            assertTrue(to + f.barSize(0) <= bridge.base() || to > bridge.limit(), String.format("0x%x is routed to the root port", to));
        }
        Host w = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build().host();
        PhysicalFunction virtio = w.require(WideHost.VIRTIO_NET); // BAR0 is an I/O BAR: it moves among the ports
        Window io = BarMoveTarget.window(w, virtio, 0).orElseThrow();
        assertTrue(io.limit() <= 0xffff, io.toString());
        landsInsideItsWindow(w, WideHost.VIRTIO_NET, io);
    }

    @Test
    void theExplorersBarMoveLandsInsideTheWindowOnBothHosts() {
        for (var c : List.of(new Object[] {Vdm.defaultHost(), DefaultHost.NVME}, new Object[] {Vdm.host(WideHost.description()), WideHost.NVME})) {
            Vdm.Builder b = ((Vdm.Builder) c[0]).preset(Preset.UPSTREAM);
            Sbdf dev = (Sbdf) c[1];
            Run r = new Run(b.build(), dev);
            long to = r.otherBar0();
            assertTrue(r.bar0Movable());
            Op.BAR_MOVE.apply(r);
            assertEquals(to, r.bar0());
            Window w = r.vdm().host().require(dev).upstream().orElseThrow().memoryWindow().orElseThrow();
            assertTrue(w.contains(to, r.vdm().host().require(dev).barSize(0)), String.format("0x%x in %s", to, w));
        }
    }
}
