package vdm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;
import vdm.system.Trace;

/**
 * The scenario named on a function upstream refuses to pass through, on every test host: pciback takes it, the
 * attach is a failed step that says who refused and why, and the replay goes on to the end without an exception.
 */
class ScenarioOnRefusedDevicesTest {
    /** Host bridges (class 06 00: Xen refuses) and bridges (type 1 headers: the test hosts' are PCIe ports, QEMU refuses). */
    static Stream<Arguments> refused() {
        List<Arguments> out = new ArrayList<>();
        for (TestHost h : TestHost.values()) {
            for (PhysicalFunction f : Host.create(h.description()).enumerate().functions()) {
                if ((f.read(ConfigRegisters.CLASS_REVISION, 4) >>> 16) == 0x0600) {
                    out.add(Arguments.of(h, f.sbdf(), "assign_device: -EPERM (Domain 1:xc_assign_device failed: Operation not permitted)"));
                } else if ((f.read(ConfigRegisters.HEADER_TYPE, 1) & 0x7f) == 1) {
                    out.add(Arguments.of(h, f.sbdf(), "device_add: -EOPNOTSUPP (Domain 1:Failed to initialize 11/15, type = 0x1, rc: -1)"));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("refused")
    void theAttachIsAFailedStepWithUpstreamsMessage(TestHost h, Sbdf device, String summary) {
        Scenario.Result r = Scenario.run(h.builder().preset(Preset.UPSTREAM), device, "upstream");
        assertEquals(8, r.steps().size(), r.render());
        assertEquals(Trace.Verdict.OK, step(r, "pci-assignable-add").verdict(), r.render());
        Scenario.Step attach = step(r, "pci-attach");
        assertEquals(Trace.Verdict.FAILED, attach.verdict());
        assertEquals(summary, attach.summary());
        assertEquals(Trace.Verdict.INFO, step(r, "pci-detach").verdict(), "nothing attached");
        assertEquals(Trace.Verdict.OK, step(r, "destroy-domU").verdict());
        assertTrue(r.trace().matching(e -> e.source() == Trace.Source.INVARIANT).isEmpty(), r.render());
    }

    private static Scenario.Step step(Scenario.Result r, String name) {
        return r.steps().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
