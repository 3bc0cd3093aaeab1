package vdm.host;

import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;

/**
 * The ACPI System Control Interrupt: the GSI it arrives on and how (FADT SCI_INT with the MADT override of that ISA
 * IRQ, ACPI 6.5, 5.2.9 and 5.2.12.5). ACPI requires a sharable, level, active-low interrupt; that is the default.
 */
public record Sci(int gsi, TriggerMode trigger, Polarity polarity) {
    public Sci {
        if (gsi < 0) throw new HostDescriptionException("SCI", "GSI " + gsi + " is negative");
        if (trigger == null) throw new HostDescriptionException("SCI", "trigger is missing");
        if (polarity == null) throw new HostDescriptionException("SCI", "polarity is missing");
    }

    /** Level, active low: what ACPI asks of the SCI. */
    public static Sci at(int gsi) {
        return new Sci(gsi, TriggerMode.LEVEL, Polarity.ACTIVE_LOW);
    }
}
