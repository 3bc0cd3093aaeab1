package vdm.xen;

import java.util.List;

/**
 * What a snapshot keeps of a hardware domain device's vPCI MSI and MSI-X (struct vpci_msi, struct vpci_msix and their
 * arch parts): Xen's copies of the messages, the masks, the enable bits, each entry's {@code updated} latch and the
 * pirqs they hold. Either part is null when the device has no such capability trapped.
 */
public record VpciMsiState(Msi msi, Msix msix) {
    /** A capture of {@code h}'s vPCI MSI and MSI-X state (null parts where not trapped), for a snapshot. */
    public static VpciMsiState of(Header h) {
        synchronized (h.vpci()) {
            VpciMsi m = h.msi();
            VpciMsix x = h.msix();
            return new VpciMsiState(m == null ? null : m.state(), x == null ? null : x.state());
        }
    }

    /**
     * Puts this state back into {@code h} (a snapshot load; the pirqs and bindings are Xen's irq state, restored apart).
     * A part the device does not trap, or a capture for a table of another size, is refused.
     */
    public void restoreInto(Header h) {
        synchronized (h.vpci()) {
            if ((msi != null) != (h.msi() != null) || (msix != null) != (h.msix() != null)) {
                throw new IllegalArgumentException(h.sbdf() + ": MSI/MSI-X state " + this + " does not fit the device's trapped capabilities");
            }
            if (msi != null) h.msi().restore(msi);
            if (msix != null) h.msix().restore(msix);
        }
    }

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
