package vdm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.system.Trace;

/**
 * A PVH dom0's accesses to segment 1 trap into vPCI as segment 0's do (Xen traps each MCFG entry's MMCFG region), so
 * failure 1 (the reset nobody told Xen of, pci_restore_state's BAR writes refused by a stale cache) happens there too.
 */
class SegmentOneScenarioTest {
    @Test
    void underBrokenTheRestoreIsDroppedForTheDeviceOnSegmentOneAsForTheNicOnSegmentZero() {
        Scenario.Result zero = Scenario.run(Vdm.defaultHost().preset(Preset.BROKEN), DefaultHost.NIC, "broken");
        assertTrue(zero.render().contains("the restore was dropped: BAR0 reads 0x00000000"), zero::render);
        Scenario.Result one = Scenario.run(Vdm.host(WideHost.description()).preset(Preset.BROKEN), WideHost.SEGMENT1_NIC, "broken");
        assertTrue(one.render().contains("the restore was dropped: BAR0 reads 0x00000000"), one::render);
        assertTrue(one.render().contains("invariant vpci-cache at 0001:00:02.0 BAR0: expected enabled=false"), one::render);
    }

    @Test
    void underUpstreamTheDeviceOnSegmentOneKeepsItsBarsAndVpcisCacheAgrees() {
        Scenario.Result r = Scenario.run(Vdm.host(WideHost.description()).preset(Preset.UPSTREAM), WideHost.SEGMENT1_NIC, "upstream");
        assertFalse(r.render().contains("the restore was dropped"), r::render);
        assertFalse(r.render().contains("vpci-cache at 0001:00:02.0"), r::render);
        assertEquals(true, r.trace().contains(Trace.Source.HYPERCALL, "PHYSDEVOP_pci_device_reset = 0"), r::render);
    }
}
