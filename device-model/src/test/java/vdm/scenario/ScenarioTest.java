package vdm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.persist.ScenarioJson;
import vdm.system.Trace;
import vdm.xen.Domain;

/** The scenario replay under each preset, and each of the four failures alone (one fix off, the rest on). */
class ScenarioTest {
    private static Map<String, Trace.Verdict> verdicts(Scenario.Result r) {
        return r.steps().stream().collect(Collectors.toMap(Scenario.Step::name, Scenario.Step::verdict));
    }

    private static Scenario.Result run(Fixes fixes) {
        return Scenario.run(Vdm.defaultHost().fixes(fixes), DefaultHost.NIC, fixes.toString());
    }

    @Test
    void upstreamPassesEveryStepAndTheGuestGetsItsVector() {
        Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(Preset.UPSTREAM), DefaultHost.NIC, "upstream");
        assertTrue(r.passed(), r::render);
        assertTrue(r.render().contains("INTx on GSI 28 reached the guest on vector 0x51"), r::render);
        assertTrue(r.trace().contains(Trace.Source.HYPERCALL, "PHYSDEVOP_pci_device_reset = 0"), r::render);
        assertTrue(r.trace().contains(Trace.Source.HYPERCALL, "XEN_DOMCTL_gsi_permission = 0"), r::render);
    }

    @Test
    void seriesV4PassesWithItsOwnHypercallName() {
        Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(Preset.SERIES_V4), DefaultHost.NIC, "series-v4");
        assertTrue(r.passed(), r::render);
        assertTrue(r.trace().contains(Trace.Source.HYPERCALL, "PHYSDEVOP_pci_device_state_reset = 0"), r::render);
    }

    @Test
    void brokenShowsTheDroppedRestoreAndTheRefusedMapPirq() {
        Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(Preset.BROKEN), DefaultHost.NIC, "broken");
        Map<String, Trace.Verdict> v = verdicts(r);
        assertEquals(Trace.Verdict.FAILED, v.get("pci-assignable-add"), r::render);
        assertEquals(Trace.Verdict.FAILED, v.get("pci-attach"), r::render);
        assertTrue(r.render().contains("Domain 1:xc_physdev_map_pirq irq=17 (error=-1): Function not implemented"), r::render);
        assertTrue(r.render().contains("Mapping machine irq 17 to pirq -1 failed, (err: 38)"), r::render);
        assertTrue(r.render().contains("the restore was dropped: BAR0 reads 0x00000000"), r::render);
    }

    @Test
    void failureOneAloneTheUnannouncedResetLeavesTheGuestBarUnreachable() {
        Scenario.Result r = run(Preset.UPSTREAM.fixes().withResetNotification(false));
        Map<String, Trace.Verdict> v = verdicts(r);
        assertEquals(Trace.Verdict.FAILED, v.get("pci-assignable-add"), r::render);
        assertEquals(Trace.Verdict.OK, v.get("pci-attach"), r::render);
        assertEquals(Trace.Verdict.FAILED, v.get("guest-bars"), r::render);
    }

    @Test
    void failureTwoAloneMapPirqIsRefusedWithEnosys() {
        Scenario.Result r = run(Preset.UPSTREAM.fixes().withPvhMapPirq(false));
        assertEquals(Trace.Verdict.FAILED, verdicts(r).get("pci-attach"), r::render);
        assertTrue(r.render().contains("xc_physdev_map_pirq_gsi gsi=28 (error=-1): Function not implemented"), r::render);
        assertEquals(Trace.Verdict.OK, verdicts(r).get("pci-assignable-add"), r::render);
    }

    @Test
    void failureThreeAloneThePermissionIsEperm() {
        Scenario.Result r = run(Preset.UPSTREAM.fixes().withSetupGsi(false));
        assertEquals(Trace.Verdict.FAILED, verdicts(r).get("pci-attach"), r::render);
        assertTrue(r.render().contains("xc_domain_irq_permission irq=28 (error=-1): Operation not permitted"), r::render);
        assertTrue(r.trace().contains(Trace.Source.HYPERCALL, "XEN_DOMCTL_irq_permission = -EPERM"), r::render);
    }

    @Test
    void failureFourAloneTheIrqNumberMapsTheWrongLine() {
        Scenario.Result r = run(Preset.UPSTREAM.fixes().withGsiLookup(Fixes.GsiLookup.NONE));
        assertEquals(Trace.Verdict.FAILED, verdicts(r).get("pci-attach"), r::render);
        assertTrue(r.render().contains("map_pirq was given 17 (dom0's IRQ number), the device is on GSI 28: the wrong line"), r::render);
    }

    @Test
    void aPvDom0WorksUnderEveryPreset() {
        for (Preset p : Preset.values()) {
            Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(p).dom0(Domain.Kind.PV), DefaultHost.NIC, p.label());
            assertTrue(r.passed(), r::render);
        }
    }

    @Test
    void aDeviceWithoutIntxPassesOnMsix() {
        // Issue 13: a device with no INTx pin takes its interrupts on MSI-X (before, the step was INFO, "no INTx pin").
        Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(Preset.UPSTREAM), DefaultHost.ACCELERATOR, "upstream");
        assertTrue(r.passed(), r::render);
        assertEquals(Trace.Verdict.OK, verdicts(r).get("guest-interrupt"));
        assertTrue(r.render().contains("MSI-X table at guest 0x"), r::render);
        assertTrue(ScenarioJson.lines(r).lines().allMatch(l -> l.startsWith("{") && l.endsWith("}")));
    }
}
