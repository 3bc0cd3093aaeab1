package vdm.host;

import java.util.Arrays;
import java.util.Objects;
import vdm.pci.msi.MsixTable;

/**
 * A function's BAR memory as a snapshot holds it: the MSI-X table and PBA ({@code msix}, null for a function without
 * MSI-X) and the device registers written, as (key, QWORD) pairs with key = BAR << 56 | QWORD index, in key order.
 * MSI's state (including its Pending Bits) is in config space and saved with it.
 */
public record DeviceMemoryState(MsixTable.State msix, long[] registers) {
    public DeviceMemoryState {
        registers = registers.clone();
    }

    @Override
    public long[] registers() {
        return registers.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceMemoryState s && Objects.equals(msix, s.msix) && Arrays.equals(registers, s.registers);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(msix) + Arrays.hashCode(registers);
    }
}
