package vdm.host;

import vdm.pci.layout.BarKind;

/**
 * What one BAR (index 0..5) or the expansion ROM (index {@link #ROM}, QEMU's PCI_ROM_SLOT) currently decodes: kind,
 * prefetchability, address bits, size, and whether the function answers there now (see
 * {@link PhysicalFunction#barDecodes}).
 */
public record BarRegion(int index, BarKind kind, boolean prefetchable, long address, long size, boolean decodes) {
    public static final int ROM = 6;

    public boolean rom() {
        return index == ROM;
    }

    /** The last byte: {@code address + size - 1}. */
    public long last() {
        return address + size - 1;
    }

    @Override
    public String toString() {
        return String.format("%s %s%s 0x%x+0x%x%s", index == ROM ? "ROM" : "BAR" + index, kind.name().toLowerCase(),
                prefetchable ? " prefetchable" : "", address, size, decodes ? " decoding" : "");
    }
}
