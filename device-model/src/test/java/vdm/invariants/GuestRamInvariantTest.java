package vdm.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.xen.P2m;

/** guest-ram: a guest keeps all its RAM below 4 GiB; RAM an MMIO mapping replaced stays lost once the mapping goes. */
class GuestRamInvariantTest {
    @Test
    void ramReplacedByAMappingIsFlaggedAndStaysFlaggedAfterTheMappingGoes() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).guestMemory(2048).build();
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(InvariantMonitor.check(vdm).isEmpty());
        P2m.Owner owner = new P2m.Owner(Sbdf.parse("0000:01:00.0"), 3);
        // libxl's xc_domain_iomem_permission at attach: memory_mapping asks for it
        assertEquals(0, vdm.xen().domctls().iomemPermission(vdm.dom0(), domid, 0x8010000, 0x8000, true));
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), domid, 0x10000, 0x8010000, 0x8000, true, owner));
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), domid, 0x10000, 0x8010000, 0x8000, false, null));
        // the guest holds no device, so the permissions invariant flags the frames granted by hand as well
        List<Violation> v = InvariantMonitor.check(vdm).stream().filter(x -> x.invariant().equals("guest-ram")).toList();
        assertEquals(1, v.size(), v::toString);
        assertEquals("guest-ram at d" + domid + " gfn 0x10000-0x17fff: expected RAM in the p2m, actual replaced by 0000:01:00.0 BAR3's "
                + "XEN_DOMCTL_memory_mapping and not restored: the guest faults there", v.getFirst().toString());
    }

    @Test
    void aMappingAboveTheGuestsRamTakesNothing() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).guestMemory(2048).build();
        int domid = vdm.libxl().domainCreate(1);
        P2m.Owner owner = new P2m.Owner(Sbdf.parse("0000:01:00.0"), 3);
        // libxl's xc_domain_iomem_permission at attach: memory_mapping asks for it
        assertEquals(0, vdm.xen().domctls().iomemPermission(vdm.dom0(), domid, 0x8010000, 0x8000, true));
        assertEquals(0, vdm.xen().memoryMapping(vdm.dom0(), domid, 0x80000, 0x8010000, 0x8000, true, owner)); // from 2 GiB
        assertTrue(InvariantMonitor.check(vdm).stream().noneMatch(x -> x.invariant().equals("guest-ram")));
    }
}
