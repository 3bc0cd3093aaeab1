package vdm.host;

import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;

/**
 * Where a function's INTx pin arrives, as an OSPM resolves it through {@code _PRT} (Linux
 * {@code acpi_pci_irq_lookup}): the function and its pin, the {@code _PRT} entry that matched (on the function's own
 * bus, or after swizzling on a bridge's bus), the link it goes through if any, and the resulting GSI with trigger and
 * polarity. {@link #gsi()} is {@link #NO_GSI} when the entry names a link that is disabled (current IRQ 0).
 */
public record IntxRoute(Sbdf function, IntxPin pin, PrtEntry entry, String link, int gsi, TriggerMode trigger,
                        Polarity polarity) {
    public static final int NO_GSI = -1;

    /** True if the entry matched is on a bridge's bus rather than the function's own (the swizzle was applied). */
    public boolean swizzled() {
        return entry.bus() != function.bus();
    }

    public boolean viaLink() {
        return link != null;
    }

    /** False only for a disabled link. */
    public boolean routed() {
        return gsi != NO_GSI;
    }

    @Override
    public String toString() {
        return function + " " + pin + " -> " + (link != null ? link + " -> " : "")
                + (routed() ? "GSI " + gsi + " " + trigger + " " + polarity : "no GSI (link disabled)");
    }
}
