package vdm.xen;

import java.util.List;

/**
 * What a snapshot keeps of a hardware domain device's vPCI MSI and MSI-X (struct vpci_msi, struct vpci_msix and their
 * arch parts): Xen's copies of the messages, the masks, the enable bits, each entry's {@code updated} latch and the
 * pirqs they hold. Either part is null when the device has no such capability trapped.
 */
public record VpciMsiState(Msi msi, Msix msix) {
    /** struct vpci_msi: address, data, mask bits, vectors enabled, enable, and the pirq (-1 none) and whether bound. */
    public record Msi(long address, int data, int mask, int vectors, boolean enabled, int pirq, boolean bound) {}

    /** One struct vpci_msix_entry: address, data, mask bit, the updated latch and its pirq (-1 none). */
    public record Entry(long address, int data, boolean masked, boolean updated, int pirq) {}

    /** struct vpci_msix: enable, Function Mask, and the entries in table order. */
    public record Msix(boolean enabled, boolean masked, List<Entry> entries) {
        public Msix {
            entries = List.copyOf(entries);
        }
    }
}
