package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.xen.Domain;

/**
 * Two functions behind one root port share GSI 28 on the wide host. Passed through to one guest, both are routed to
 * the one pirq Xen keeps per GSI and domain; detaching either unmaps it (QEMU's xen_pt_unregister_device calls
 * xc_physdev_unmap_pirq on its machine_irq, and libxl's pci_remove_detached unmaps the GSI's pirq too, whoever else
 * uses it), so the device left in the guest loses its INTx. vdm replays upstream here, not a fix.
 */
class SharedGsiInOneGuestTest {
    @Test
    void detachingOneOfTwoDevicesOnOneGsiUnmapsThePirqTheOtherStillUses() {
        Vdm vdm = Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build();
        assertEquals(28, vdm.host().route(WideHost.GPU).orElseThrow().gsi());
        assertEquals(28, vdm.host().route(WideHost.SECOND_FUNCTION).orElseThrow().gsi());
        assertEquals(0, vdm.libxl().pciAssignableAdd(WideHost.GPU));
        assertEquals(0, vdm.libxl().pciAssignableAdd(WideHost.SECOND_FUNCTION));
        int d = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(d, WideHost.GPU, 4).ok());
        AttachResult second = vdm.libxl().pciAttach(d, WideHost.SECOND_FUNCTION, 5);
        assertTrue(second.ok(), second::toString);
        XenPtDevice gpu = vdm.libxl().device(WideHost.GPU), nic = vdm.libxl().device(WideHost.SECOND_FUNCTION);
        assertEquals(gpu.machineIrq(), nic.machineIrq(), () -> "one pirq for the shared GSI in this guest: " + second + "\n"
                + vdm.trace().events().stream().map(e -> e.source() + " " + e.message() + " " + e.detail()).reduce("", (a, b) -> a + "\n" + b));
        Domain guest = vdm.xen().domain(d);
        assertEquals(28, guest.pirqs().irq(gpu.machineIrq()));

        assertTrue(vdm.libxl().pciDetach(d, WideHost.SECOND_FUNCTION).ok());
        assertTrue(java.util.Arrays.stream(guest.pirqs().mappings()).noneMatch(m -> m.pirq() == gpu.machineIrq()),
                "the pirq the gpu still uses is gone with its neighbour");
    }
}
