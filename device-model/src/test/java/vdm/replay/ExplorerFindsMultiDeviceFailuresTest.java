package vdm.replay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.explore.Explorer;
import vdm.explore.Finding;
import vdm.explore.Op;
import vdm.explore.OpKind;
import vdm.explore.Setting;
import vdm.host.WideHost;

/**
 * The explorer over every assignable device of an entry's host and two guests, told neither the device nor the
 * ordering, finds each searchable entry of the library within its stated depth, and with the fix on does not. Where
 * an entry's operations include shared-intx (an operation of one device on another's line) the search has dom0-intx
 * instead, each device's own driver taking its own line.
 */
class ExplorerFindsMultiDeviceFailuresTest {
    static Stream<String> searchable() {
        return FailureLibrary.all().stream().filter(f -> f.explorer().finds()).map(KnownFailure::name);
    }

    static Setting setting(KnownFailure f) {
        return Setting.of(f.host().description().get(), "all", 2);
    }

    static List<OpKind> kinds(KnownFailure f) {
        return Search.unaidedKinds(f);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searchable")
    void overEveryDeviceAndTwoGuestsTheExplorerFindsTheFailureUnaided(String name) {
        KnownFailure f = FailureLibrary.named(name);
        Setting s = setting(f);
        Search r = Search.unaided(f, false, s, kinds(f), f.explorer().depth());
        System.out.printf("%s: %d devices, %d distinct states (%d applied) in %.1f s%n", name, s.devices().size(),
                r.result().distinctStates(), r.result().statesExplored(), r.result().nanos() / 1e9);
        assertTrue(r.found(), () -> name + " over " + s.devices() + ": no finding shows '" + f.expect().text() + "' at "
                + f.expect().step().label() + " of " + f.device() + "; findings: " + r.result().findings().stream().map(Finding::kind).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searchable")
    void withTheFixOnTheSearchOverEveryDeviceDoesNotFindIt(String name) {
        KnownFailure f = FailureLibrary.named(name);
        Search r = Search.unaided(f, true, setting(f), kinds(f), f.explorer().depth());
        assertFalse(r.found(), () -> name + ": found with the fix on by " + r.match().orElseThrow().orderingText());
    }

    private static boolean shows(Finding x, String text) {
        return x.trace().stream().anyMatch(e -> e.step().equals(x.ordering().getLast().label()) && e.message().contains(text));
    }

    /**
     * Two functions behind one bridge on one edge-triggered line, dom0's kernel with no driver for the one it passes
     * through: the explorer finds by itself that dom0's driver of the other taking the line costs the guest its INTx.
     */
    @ParameterizedTest(name = "fixed={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void dom0sDriverOfTheNeighbouringFunctionTakesTheLineTheGuestsFunctionShares(boolean fixed) {
        KnownFailure f = FailureLibrary.named("shared-gsi-unshared");
        Setting s = new Setting(List.of(WideHost.GPU, WideHost.SECOND_FUNCTION), 2);
        java.util.function.Supplier<vdm.system.Machine.Builder> model = () -> Replay.model(f, fixed).get().withoutDom0Driver(java.util.Set.of(WideHost.GPU));
        Explorer.Result r = new Explorer(model, s, s.ops(List.of(OpKind.DOM0_INTX, OpKind.ASSIGN, OpKind.ATTACH, OpKind.DETACH, OpKind.INTX))).explore(3);
        List<Finding> refused = r.findings().stream().filter(x -> !x.ordering().isEmpty() && shows(x, "Others do not share")).toList();
        if (fixed) {
            assertTrue(refused.isEmpty(), () -> "with dom0's driver on MSI: " + refused.stream().map(Finding::orderingText).toList());
            return;
        }
        assertTrue(refused.stream().anyMatch(x -> x.orderingText().equals(
                "dom0-intx(0000:01:00.1) -> assign(0000:01:00.0) -> attach(0000:01:00.0->g1)")), () -> r.findings().stream().map(Finding::orderingText).toList().toString());
    }

    /**
     * An MSI-X device and two guests. With XSA-237's check off, dom0 maps its MSI into a guest that does not hold it
     * (the first, before assignment), and once the first guest holds it a map into the second is refused only later,
     * by the MSI-X setup (-ENXIO: no table set up for it), which the explorer reports as a refusal. With the check on,
     * both maps are -ENODEV, as they should be, and nothing is found.
     */
    @ParameterizedTest(name = "fixed={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void anMsiIsMappedIntoAGuestThatDoesNotHoldTheDeviceOnlyWithTheFixOff(boolean fixed) {
        KnownFailure f = FailureLibrary.named("xsa237-msi-unowned");
        Setting s = new Setting(List.of(WideHost.NIC), 2);
        Explorer.Result r = new Explorer(Replay.model(f, fixed), s, s.ops(Op.kinds(Op.MSI_SET))).explore(3);
        String found = r.findings().stream().map(x -> x.orderingText() + " => " + x.message()).toList().toString();
        List<Finding> maps = r.findings().stream().filter(x -> !x.ordering().isEmpty() && x.ordering().getLast().kind() == OpKind.MAP_BEFORE_ASSIGN).toList();
        if (fixed) {
            assertTrue(maps.isEmpty(), found);
            return;
        }
        assertTrue(maps.stream().anyMatch(x -> x.orderingText().equals("map-before-assign(0000:00:02.0->g1)") && x.message().contains("which does not hold it")), found);
        assertTrue(maps.stream().anyMatch(x -> x.orderingText().equals("assign(0000:00:02.0) -> attach(0000:00:02.0->g1) -> map-before-assign(0000:00:02.0->g2)")
                && x.message().contains("-ENXIO")), found);
    }
}
