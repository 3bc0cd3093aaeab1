package vdm.capture;

/**
 * What vdm takes from the FADT (signature "FACP", ACPI 6.5, 5.2.9): {@code SCI_INT} (u16 at offset 46, the ISA IRQ
 * or GSI the SCI is wired to in 8259 terms) and the {@code Flags} word at offset 112, whose bit 20 is
 * {@code HW_REDUCED_ACPI}. A hardware-reduced platform has no SCI: ACPICA installs no SCI handler there
 * ({@code acpi_ev_install_xrupt_handlers} returns at once when {@code acpi_gbl_reduced_hardware} is set).
 */
public record FadtTable(int sciInt, boolean hardwareReduced) {
    static final int HW_REDUCED_ACPI = 1 << 20;

    public static FadtTable parse(AcpiTable t) {
        if (!t.signature().equals("FACP")) throw new CaptureException(t.origin() + ": signature '" + t.signature() + "' is not FACP (FADT)");
        int sci = t.u16(46, "SCI_INT");
        // Flags arrived with ACPI 1.0's 116-byte FADT; a shorter (older) table simply has none.
        boolean reduced = t.length() >= 116 && (t.u32(112, "Flags") & HW_REDUCED_ACPI) != 0;
        return new FadtTable(sci, reduced);
    }
}
