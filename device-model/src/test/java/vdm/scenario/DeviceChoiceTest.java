package vdm.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.host.BridgeDescriptor;
import vdm.host.DefaultHost;
import vdm.host.FunctionSource;
import vdm.host.Host;
import vdm.host.LayoutSpec;
import vdm.host.WideHost;

class DeviceChoiceTest {
    @Test
    void theBuiltInHostsFirstAssignableEndpointIsItsGpuAfterTheHostBridge() {
        DeviceChoice c = DeviceChoice.firstAssignable(DefaultHost.description());
        assertEquals(DefaultHost.GPU, c.device());
        assertEquals("gpu", c.name());
        assertFalse(c.named());
    }

    @Test
    void onTheWideHostTheHostBridgeAndTheRootPortAreSkipped() {
        DeviceChoice c = DeviceChoice.firstAssignable(WideHost.description());
        assertEquals(WideHost.NIC, c.device(), c.describe());
        assertTrue(c.describe().startsWith("0000:00:02.0 (e1000e), the host's first assignable endpoint in SBDF order"), c.describe());
    }

    @Test
    void aNamedDeviceIsKeptAndAMissingOneIsRefusedWithTheHostsFunctions() {
        DeviceChoice c = DeviceChoice.of(WideHost.description(), WideHost.GPU);
        assertEquals(WideHost.GPU, c.device());
        assertTrue(c.named());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceChoice.of(WideHost.description(), vdm.pci.Sbdf.parse("0000:00:1f.7")));
        assertTrue(e.getMessage().startsWith("no function at 0000:00:1f.7"), e.getMessage());
    }

    @Test
    void aHostWithOnlyBridgesAndAnEmptyFunctionHasNoneAndSaysWhatWasLookedFor() {
        Host host = Host.builder().rootBridge(0).ioApic(0, 0xfec0_0000L, 0, 24)
                .device("0000:00:00.0", LayoutSpec.endpoint("host-bridge", 0x8086, 0x29c0, 0x060000))
                .device("0000:00:05.0", LayoutSpec.endpoint("nothing", 0x8086, 0x1234, 0x088000))
                .bridge(BridgeDescriptor.of(vdm.pci.Sbdf.parse("0000:00:1c.0"), new FunctionSource.Catalog("pcie-root-port"), 1, 1))
                .prt(0, 0x1c, vdm.host.IntxPin.A, 16)
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceChoice.firstAssignable(host));
        assertTrue(e.getMessage().startsWith("the host has no assignable endpoint: no type 0 function other than a host bridge (class 0x0600)"),
                e.getMessage());
    }
}
