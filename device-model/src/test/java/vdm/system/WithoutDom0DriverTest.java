package vdm.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import vdm.dom0.Dom0Kernel;
import vdm.host.DefaultHost;

/** A function dom0's kernel has no driver for stays unbound and is not enabled at boot; every other one is as before. */
class WithoutDom0DriverTest {
    @Test
    void aFunctionWithoutADriverIsNeitherBoundNorEnabled() {
        Machine m = Machine.host(DefaultHost.description()).withoutDom0Driver(Set.of(DefaultHost.NVME)).build();
        assertEquals(Dom0Kernel.Driver.NONE, m.kernel().driver(DefaultHost.NVME));
        assertFalse(m.kernel().enabled(DefaultHost.NVME));
        assertEquals(0, m.host().require(DefaultHost.NVME).command() & 0x2, "pci_enable_device never ran: decoding as firmware left it");
        assertEquals(Dom0Kernel.Driver.NATIVE, m.kernel().driver(DefaultHost.NIC));
        assertTrue(m.kernel().enabled(DefaultHost.NIC));
    }
}
