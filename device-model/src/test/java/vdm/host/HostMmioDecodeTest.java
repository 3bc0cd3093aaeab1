package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import vdm.pci.ResetKind;

/**
 * Host MMIO decode: an address reaches the memory BAR that decodes it now, through every bridge above (PCI-to-PCI
 * Bridge spec 1.2, 3.2.5.8-3.2.5.10), else reads all ones and writes vanish; BAR moves, COMMAND and bridge
 * reprogramming are seen at once.
 */
class HostMmioDecodeTest {
    private static void placeBar64(PhysicalFunction f, int bar, long address) {
        f.write(0x10 + 4 * bar, 4, (int) address);
        f.write(0x14 + 4 * bar, 4, (int) (address >>> 32));
    }

    /** What dom0's pci_enable_device does for a bridge: firmware leaves a root port with its own BAR0 at 0 disabled. */
    private static void enableBridge(Host host, vdm.pci.Sbdf port) {
        PhysicalFunction f = host.bridge(port).orElseThrow().function();
        f.write(0x04, 2, f.command() | 0x6);
    }

    @Test
    void wideHostGpuBehindItsRootPortDecodesInThe64BitPrefetchableWindow() {
        Host host = WideHost.build();
        PhysicalFunction gpu = host.require(WideHost.GPU);
        Bridge port = host.bridge(WideHost.ROOT_PORT).orElseThrow();
        enableBridge(host, WideHost.ROOT_PORT);
        long bar1 = 0x80_0000_0000L;
        placeBar64(gpu, 1, bar1);
        gpu.write(0x04, 2, 0x2);
        assertEquals(Optional.of(new MmioHit(gpu, 1, 0x1230)), host.mmioDecode(bar1 + 0x1230));
        host.mmioWrite(bar1 + 0x1230, 4, 0xcafe_f00dL);
        assertEquals(0xcafe_f00dL, host.mmioRead(bar1 + 0x1230, 4));
        assertEquals(0xcafe_f00dL, gpu.memRead(1, 0x1230, 4));

        // The root port's memory enable off: it forwards nothing.
        port.function().write(0x04, 2, port.function().command() & ~0x2);
        assertEquals(Optional.empty(), host.mmioDecode(bar1 + 0x1230));
        assertEquals(0xffff_ffffL, host.mmioRead(bar1 + 0x1230, 4));
        port.function().write(0x04, 2, port.function().command() | 0x2);
        assertEquals(0xcafe_f00dL, host.mmioRead(bar1 + 0x1230, 4));

        // The prefetchable window reprogrammed elsewhere (closed: base above limit): the BAR no longer reached.
        port.function().write(0x24, 4, 0x0000_fff0);
        assertEquals(-1L, host.mmioRead(bar1 + 0x1230, 8));
        host.mmioWrite(bar1 + 0x1230, 4, 0);
        assertEquals(0xcafe_f00dL, gpu.memRead(1, 0x1230, 4), "a write nothing claims is dropped");
    }

    @Test
    void aBarMoveAndCommandMemoryAreSeenAtOnce() {
        Host host = WideHost.build();
        PhysicalFunction gpu = host.require(WideHost.GPU);
        assertEquals(Optional.empty(), host.mmioDecode(0xfc00_0100L));
        enableBridge(host, WideHost.ROOT_PORT);
        gpu.write(0x10, 4, 0xfc00_0000); // BAR0, 16 MiB, in the root port's memory window
        gpu.write(0x04, 2, 0x2);
        host.mmioWrite(0xfc00_0100L, 4, 0x1234);
        assertEquals(0x1234, host.mmioRead(0xfc00_0100L, 4));
        gpu.write(0x10, 4, 0xfd00_0000);
        assertEquals(0xffff_ffffL, host.mmioRead(0xfc00_0100L, 4));
        assertEquals(0x1234, host.mmioRead(0xfd00_0100L, 4));
        gpu.write(0x04, 2, 0);
        assertEquals(0xffffL, host.mmioRead(0xfd00_0100L, 2));
        gpu.write(0x04, 2, 0x2);
        assertEquals(0x34, host.mmioRead(0xfd00_0100L, 1));
        gpu.reset(ResetKind.FLR); // BARs back to 0, decoding off
        assertEquals(Optional.empty(), host.mmioDecode(0xfd00_0100L));
    }

    @Test
    void aBarOutsideItsBridgesWindowIsNotReached() {
        Host host = WideHost.build();
        PhysicalFunction gpu = host.require(WideHost.GPU);
        enableBridge(host, WideHost.ROOT_PORT);
        gpu.write(0x10, 4, 0xe000_0000); // decodes by its own registers, but the root port does not forward there
        gpu.write(0x04, 2, 0x2);
        assertTrue(gpu.barDecodes(0));
        assertEquals(Optional.empty(), host.mmioDecode(0xe000_0000L));
    }

    @Test
    void aRootBusFunctionOnDefaultHostAndTheNvmeTableBehindItsPort() {
        Host host = DefaultHost.build();
        PhysicalFunction nic = host.require(DefaultHost.NIC);
        nic.write(0x1c, 4, 0xfebf_0000); // BAR3, 16 KiB: the MSI-X table
        nic.write(0x04, 2, 0x2);
        assertEquals(1, host.mmioRead(0xfebf_000cL, 4));
        PhysicalFunction nvme = host.require(DefaultHost.NVME);
        enableBridge(host, DefaultHost.ROOT_PORT);
        placeBar64(nvme, 0, 0xfe80_0000L);
        nvme.write(0x04, 2, 0x2);
        assertEquals(Optional.of(new MmioHit(nvme, 0, 0x200c)), host.mmioDecode(0xfe80_200cL));
        assertEquals(1, host.mmioRead(0xfe80_200cL, 4));
        host.mmioWrite(0xfe80_2000L, 8, 0xfee0_0000L);
        assertEquals(0xfee0_0000L, nvme.memRead(0, 0x2000, 4));
    }

    @Test
    void aChangeMadeBehindTheBusIsNeverAnsweredAtTheOldAddress() {
        Host host = DefaultHost.build();
        PhysicalFunction nic = host.require(DefaultHost.NIC);
        nic.write(0x1c, 4, 0xfebf_0000);
        nic.write(0x04, 2, 0x2);
        assertEquals(1, host.mmioRead(0xfebf_000cL, 4));
        nic.config().write(0x1c, 4, 0xfebe_0000); // bypasses the bus: no invalidation
        assertEquals(0xffff_ffffL, host.mmioRead(0xfebf_000cL, 4));
        assertEquals(1, host.mmioRead(0xfebe_000cL, 4));
    }

    @Test
    void anAccessOfABadSizeIsRefusedNamingAddressAndSize() {
        Host host = DefaultHost.build();
        assertEquals("memory access at 0xfee00000: size 3 is not 1, 2, 4 or 8",
                assertThrows(IllegalArgumentException.class, () -> host.mmioRead(0xfee0_0000L, 3)).getMessage());
        assertEquals(-1L, host.mmioRead(0x1000, 8));
    }
}
