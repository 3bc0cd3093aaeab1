package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.WideHost;

/** libxl places a guest's RAM below 4 GiB up to the default MMIO hole (lowmem_end = min(memory, 4 GiB - 256 MiB)). */
class GuestMemoryTest {
    @Test
    void ramBelow4GiBEndsAtTheMemoryOrAtTheMmioHole() {
        assertEquals(1L << 30, GuestMemory.DEFAULT.lowMemEnd());
        assertEquals(0xf000_0000L, new GuestMemory(3840).lowMemEnd());
        assertEquals(0x8000_0000L, new GuestMemory(2048).lowMemEnd());
    }

    @Test
    void aSizeVdmDoesNotModelIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GuestMemory(4096));
        assertTrue(e.getMessage().contains("4096"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Vdm.host(WideHost.description()).guestMemory(8));
    }

    @Test
    void theGuestsLibxlCreatesHaveTheMachinesMemory() {
        Vdm vdm = Vdm.host(WideHost.description()).guestMemory(3840).build();
        int domid = vdm.libxl().domainCreate(1);
        assertEquals(0xf000_0000L, vdm.xen().domain(domid).ram().lowEnd());
        assertEquals(3840, vdm.libxl().guestMemory().mib());
    }
}
