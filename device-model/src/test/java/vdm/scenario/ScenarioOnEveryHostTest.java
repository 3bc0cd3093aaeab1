package vdm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.system.Trace;
import vdm.xen.Domain;

/**
 * The scenario on every endpoint of every test host, under every preset and both dom0 kinds: the fixed presets pass
 * with the invariant monitor silent; broken refuses map_pirq for every device with an INTx pin, as failure 2 does.
 */
class ScenarioOnEveryHostTest {
    static Stream<Arguments> endpoints() {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) for (Sbdf s : h.endpoints()) out.add(Arguments.of(h, s));
        return out.stream();
    }

    static Stream<Arguments> intxEndpoints() {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) for (Sbdf s : h.intxEndpoints()) out.add(Arguments.of(h, s));
        return out.stream();
    }

    private static List<Trace.Event> failures(Scenario.Result r) {
        return r.trace().matching(e -> e.verdict() == Trace.Verdict.FAILED);
    }

    /**
     * The preset's switches with libxl-resource-64 on: v4 of the series ran on a libxl with XSA-476's truncated sysfs
     * parse (the library's xsa476-bar-truncation), whose detach leaves a guest the iomem permission of a BAR above
     * 4 GiB, which the permissions invariant flags since iomem permissions are modelled. These tests check the
     * series' own fixes, so that later one is on.
     */
    static vdm.model.Fixes fixed(Preset p) {
        return p.fixes().with(vdm.model.Fix.LIBXL_RESOURCE_64, true);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("endpoints")
    void theFixedPresetsPassOnEveryEndpointWithNothingFlagged(TestHost host, Sbdf device) {
        for (Preset p : List.of(Preset.UPSTREAM, Preset.SERIES_V4)) {
            for (Domain.Kind k : List.of(Domain.Kind.PVH, Domain.Kind.PV)) {
                Scenario.Result r = Scenario.run(host.builder().fixes(fixed(p)).dom0(k), device, p.label() + " " + k);
                assertTrue(r.passed(), r::render);
                assertEquals(List.of(), failures(r), r::render);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("intxEndpoints")
    void brokenRefusesMapPirqForEveryDeviceWithAnIntxPin(TestHost host, Sbdf device) {
        Scenario.Result r = Scenario.run(host.builder().preset(Preset.BROKEN), device, "broken");
        Scenario.Step attach = r.steps().stream().filter(s -> s.name().equals("pci-attach")).findFirst().orElseThrow();
        assertEquals(Trace.Verdict.FAILED, attach.verdict(), r::render);
        assertTrue(r.render().contains("(error=-1): Function not implemented"), r::render);
    }
}
