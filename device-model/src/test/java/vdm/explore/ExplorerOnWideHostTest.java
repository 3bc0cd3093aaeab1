package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.system.Trace;

/**
 * The explorer on {@link TestHost#WIDE}'s devices that sit where the default host has none: behind a root port with
 * a second function beside it, on PCI segment 1, and on a GSI another device shares.
 */
class ExplorerOnWideHostTest {
    static List<Sbdf> devices() {
        // Not the gpu: its BAR0 fills the part of the root port's window its neighbour leaves, so no BAR move applies.
        return List.of(vdm.host.WideHost.SECOND_FUNCTION, vdm.host.WideHost.SEGMENT1_NIC, vdm.host.WideHost.VIRTIO_NET);
    }

    private static Explorer.Result explore(Sbdf device, Preset p, int depth) {
        return new Explorer(() -> TestHost.WIDE.builder().preset(p), device, Op.STANDARD).explore(depth);
    }

    private static String list(Explorer.Result r) {
        StringBuilder sb = new StringBuilder();
        for (Finding f : r.findings()) sb.append(f.orderingText()).append("  =>  ").append(f.message()).append('\n');
        return sb.toString();
    }

    private static boolean has(Explorer.Result r, String ordering, String text) {
        return r.findings().stream().anyMatch(f -> f.orderingText().equals(ordering) && f.message().contains(text));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void underBrokenItFindsTheRefusedMapPirqAndEachFindingReplays(Sbdf device) {
        Explorer.Result r = explore(device, Preset.BROKEN, 4);
        assertTrue(has(r, "assign -> attach", "Function not implemented"), list(r));
        for (Finding f : r.findings()) {
            Trace t = Explorer.replay(() -> TestHost.WIDE.builder().preset(Preset.BROKEN), device, f.ordering());
            assertTrue(t.events().stream().anyMatch(e -> e.verdict() == Trace.Verdict.FAILED),
                    () -> f.orderingText() + " => " + f.message() + " does not fail on replay");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void underUpstreamTheOnlyFindingIsXensRefusalToMoveAMappedMemoryBar(Sbdf device) {
        Explorer.Result r = explore(device, Preset.UPSTREAM, 4);
        if (device.equals(vdm.host.WideHost.VIRTIO_NET)) {
            // Its BAR0 is an IO BAR: vPCI traps only memory BARs for the hardware domain (init_header registers
            // bar_write for memory BARs alone), so moving it with decoding on is not refused and nothing is found.
            assertEquals(0, r.findings().size(), list(r));
            return;
        }
        assertEquals(1, r.findings().size(), list(r));
        Finding f = r.findings().getFirst();
        assertEquals(List.of(Op.BAR_MOVE_HOT), f.ordering(), list(r));
        assertTrue(f.trace().stream().anyMatch(e -> e.source() == Trace.Source.XEN
                && e.message().contains(device + ": ignored BAR 0 write while mapped")), list(r));
    }
}
