package vdm.host;

/**
 * A PCI function's legacy interrupt pin, INTA#..INTD#. The Interrupt Pin register (0x3d) holds 1..4 for A..D and 0
 * for none; an ACPI {@code _PRT} package names the pin 0..3 (ACPI 6.5, 6.2.13).
 */
public enum IntxPin {
    A, B, C, D;

    private static final IntxPin[] ALL = values();

    /** The Interrupt Pin register value: 1..4. */
    public int register() {
        return ordinal() + 1;
    }

    /** The {@code _PRT} Pin field: 0..3. */
    public int prtIndex() {
        return ordinal();
    }

    /** The pin for an Interrupt Pin register value 1..4; 0 (no pin) and anything else are errors. */
    public static IntxPin ofRegister(int value) {
        if (value < 1 || value > 4) {
            throw new IllegalArgumentException("interrupt pin " + value + " is not 1..4 (INTA..INTD)");
        }
        return ALL[value - 1];
    }

    /** Parses "A".."D" or "INTA".."INTD" (case-insensitive, an optional trailing '#'). */
    public static IntxPin parse(String text) {
        if (text != null) {
            String t = text.strip().toUpperCase(java.util.Locale.ROOT);
            if (t.endsWith("#")) t = t.substring(0, t.length() - 1);
            if (t.startsWith("INT")) t = t.substring(3);
            if (t.length() == 1 && t.charAt(0) >= 'A' && t.charAt(0) <= 'D') return ALL[t.charAt(0) - 'A'];
        }
        throw new IllegalArgumentException("'" + text + "' is not an INTx pin (A, B, C, D or INTA..INTD)");
    }

    /**
     * The pin this one appears as on the upstream side of a PCI-to-PCI bridge, for a function at {@code device} on
     * the bridge's secondary bus (PCI-to-PCI Bridge Architecture spec 1.2, table 9-1; Linux
     * {@code pci_swizzle_interrupt_pin}): {@code (pin + device) mod 4}.
     */
    public IntxPin swizzle(int device) {
        return ALL[(ordinal() + device) & 3];
    }

    @Override
    public String toString() {
        return "INT" + name();
    }
}
