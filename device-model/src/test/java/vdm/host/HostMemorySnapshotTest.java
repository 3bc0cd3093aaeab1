package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import vdm.fingerprint.StateHash;
import vdm.pci.ResetKind;

/** The host's state carries every function's BAR memory: the MSI-X table, its PBA and the registers written. */
class HostMemorySnapshotTest {
    private static StateHash.Fingerprint hash(HostState s) {
        StateHash h = new StateHash();
        s.hashInto(h);
        return h.finish();
    }

    @Test
    void aCapturedStateBringsBackTableEntriesPendingBitsAndRegisters() {
        Host host = WideHost.build();
        PhysicalFunction nvme = host.require(WideHost.NVME);
        nvme.write(0x04, 2, 0x4);
        nvme.write(0x42, 2, 0x8000); // MSI-X enable (capability at 0x40)
        nvme.memWrite(0, 0x2000 + 16 * 7 + 8, 4, 0x99);
        nvme.fireMsix(7); // masked since reset: pending
        nvme.memWrite(0, 0x100, 8, 0xdead_beefL);
        HostState saved = HostState.capture(host, null);
        StateHash.Fingerprint before = hash(saved);

        host.powerCycle();
        assertEquals(0, nvme.memRead(0, 0x3000, 8));
        assertNotEquals(before, hash(HostState.capture(host, null)));

        saved.restore(host);
        assertEquals(0x99, nvme.memRead(0, 0x2078, 4));
        assertEquals(1L << 7, nvme.memRead(0, 0x3000, 8));
        assertEquals(0xdead_beefL, nvme.memRead(0, 0x100, 8));
        assertEquals(before, hash(HostState.capture(host, saved)));
    }

    @Test
    void aStateFromPartsWithoutMemoryHoldsTheResetMemory() {
        Host host = DefaultHost.build();
        PhysicalFunction nvme = host.require(DefaultHost.NVME);
        HostState now = HostState.capture(host, null);
        int[][] configs = new int[now.configs().length][];
        for (int i = 0; i < configs.length; i++) configs[i] = now.configs()[i].words();
        nvme.memWrite(0, 0x2008, 4, 0x55);
        HostState.of(host, configs, now.links(), now.ioApics()).restore(host);
        assertEquals(0, nvme.memRead(0, 0x2008, 4));
        assertEquals(1, nvme.memRead(0, 0x200c, 4));
    }

    @Test
    void aMemoryStateOfTheWrongShapeIsRefusedBeforeAnythingChanges() {
        Host host = DefaultHost.build();
        HostState now = HostState.capture(host, null);
        int[][] configs = new int[now.configs().length][];
        for (int i = 0; i < configs.length; i++) configs[i] = now.configs()[i].words();
        DeviceMemoryState[] swapped = now.memories().clone();
        int gpu = host.functions().indexOf(host.require(DefaultHost.GPU));
        int nvme = host.functions().indexOf(host.require(DefaultHost.NVME));
        swapped[gpu] = now.memories()[nvme];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostState.of(host, configs, now.links(), now.ioApics(), swapped));
        assertEquals("0000:00:02.0: MSI-X state of 65 entries saved, the table has 6", e.getMessage());
        host.require(DefaultHost.GPU).reset(ResetKind.COLD);
    }
}
