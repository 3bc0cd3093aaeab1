package vdm.ioapic;

/** A GSI that no IO-APIC of the {@link GsiSpace} serves. */
public final class UnknownGsiException extends IllegalArgumentException {
    private final int gsi;

    UnknownGsiException(int gsi, String served) {
        super("GSI " + gsi + " is served by no IO-APIC (known: " + served + ")");
        this.gsi = gsi;
    }

    public int gsi() {
        return gsi;
    }
}
