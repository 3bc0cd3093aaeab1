package vdm.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.LinkDevice;
import vdm.model.Preset;
import vdm.system.Trace;
import vdm.scenario.Scenario;
import vdm.xen.Domain;
import vdm.xen.P2m;

/** The cross-layer invariants, checked after every model step of the scenarios. */
class InvariantMonitorTest {
    private static List<Trace.Event> violations(Scenario.Result r) {
        return r.trace().matching(e -> e.source() == Trace.Source.INVARIANT);
    }

    @Test
    void underBrokenTheStaleVpciCacheIsFlaggedAtTheResetItselfBeforeTheRestoreFails() {
        Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(Preset.BROKEN), DefaultHost.NIC, "broken");
        List<Trace.Event> v = violations(r);
        assertTrue(!v.isEmpty(), r::render);
        Trace.Event first = v.getFirst();
        assertEquals("pci-assignable-add", first.step());
        assertEquals("after pcistub_reset_device_state 0000:00:03.0", first.detail());
        assertTrue(first.message().startsWith("vpci-cache at 0000:00:03.0 BAR0: expected enabled=false"), first.message());
        long restoreEvent = r.trace().matching(e -> e.message().contains("restore config 0x10")).getFirst().seq();
        assertTrue(first.seq() < restoreEvent, "flagged before the restore is attempted");
    }

    @Test
    void underUpstreamAndSeriesV4TheMonitorStaysSilent() {
        for (Preset p : List.of(Preset.UPSTREAM, Preset.SERIES_V4)) {
            for (Domain.Kind k : List.of(Domain.Kind.PVH, Domain.Kind.PV)) {
                for (var dev : List.of(DefaultHost.NIC, DefaultHost.NVME, DefaultHost.ACCELERATOR, DefaultHost.GPU)) {
                    Scenario.Result r = Scenario.run(Vdm.defaultHost().preset(p).dom0(k), dev, p.label());
                    assertTrue(violations(r).isEmpty(), r::render);
                    assertTrue(r.passed(), r::render);
                }
            }
        }
    }

    @Test
    void aLinkReroutedAfterPcibackCachedTheGsiIsFlagged() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NVME));
        assertTrue(InvariantMonitor.check(vdm).isEmpty(), () -> InvariantMonitor.check(vdm).toString());
        LinkDevice lnka = vdm.host().link("LNKA").orElseThrow();
        lnka.setResource(lnka.possible().stream().filter(g -> g != lnka.current()).findFirst().orElseThrow());
        List<Violation> v = InvariantMonitor.check(vdm);
        assertEquals(1, v.size(), v::toString);
        assertEquals("dom0-gsi-current", v.getFirst().invariant());
    }

    @Test
    void aGuestMappingOntoBarsTheDeviceDoesNotDecodeIsFlagged() {
        // Fix A alone off: the restore is dropped, QEMU maps the guest BAR onto the kernel's address, nothing decodes.
        Scenario.Result r = Scenario.run(Vdm.defaultHost().fixes(Preset.UPSTREAM.fixes().withResetNotification(false)),
                DefaultHost.NIC, "A off");
        assertTrue(violations(r).stream().anyMatch(e -> e.message().startsWith("p2m-decoded at d1 0000:00:03.0 BAR0")), r::render);
    }

    @Test
    void oneMachineRangeInTwoDomainsIsFlaggedAsNotExclusive() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        int a = vdm.libxl().domainCreate(1), b = vdm.libxl().domainCreate(1);
        long mfn = 0x90000, frames = 32; // a machine range dom0 does not map
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), a, 0xf0000, mfn, frames, true, new P2m.Owner(DefaultHost.NIC, 0)));
        assertTrue(InvariantMonitor.check(vdm).stream().noneMatch(v -> v.invariant().equals("p2m-exclusive")));
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), b, 0xf8000, mfn + 16, frames, true, new P2m.Owner(DefaultHost.NIC, 0)));
        List<Violation> v = InvariantMonitor.check(vdm);
        assertTrue(v.stream().anyMatch(x -> x.invariant().equals("p2m-exclusive") && x.where().equals("machine frame 0x90010")), v::toString);
    }
}
