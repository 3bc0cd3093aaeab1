package vdm.ioapic;

/**
 * A MADT Interrupt Source Override (ACPI 6.5, 5.2.12.5): ISA IRQ {@code isaIrq} arrives on {@code gsi}, with the
 * MPS INTI {@code flags} (bits 1:0 polarity: 00 conforms to the bus, 01 active high, 11 active low; bits 3:2 trigger:
 * 00 conforms, 01 edge, 11 level; 10 is reserved in both). ISA conforming means edge, active high.
 */
public record InterruptSourceOverride(int isaIrq, int gsi, int flags) {
    public static final int POLARITY_CONFORMS = 0b00;
    public static final int POLARITY_ACTIVE_HIGH = 0b01;
    public static final int POLARITY_ACTIVE_LOW = 0b11;
    public static final int TRIGGER_CONFORMS = 0b00 << 2;
    public static final int TRIGGER_EDGE = 0b01 << 2;
    public static final int TRIGGER_LEVEL = 0b11 << 2;

    /** The override every PC firmware (and QEMU's MADT) declares: the PIT's IRQ0 arrives on GSI 2. */
    public static final InterruptSourceOverride IRQ0_TO_GSI2 = new InterruptSourceOverride(0, 2, 0);

    public InterruptSourceOverride {
        if (isaIrq < 0 || isaIrq > 15) {
            throw new IllegalArgumentException("interrupt source override: ISA IRQ " + isaIrq + " is not 0..15");
        }
        if (gsi < 0) throw new IllegalArgumentException("interrupt source override: GSI " + gsi + " is negative");
        if ((flags & ~0xf) != 0 || (flags & 3) == 2 || (flags >>> 2 & 3) == 2) {
            throw new IllegalArgumentException(String.format(
                    "interrupt source override of ISA IRQ %d: flags 0x%x use reserved encodings", isaIrq, flags));
        }
    }

    public Polarity polarity() {
        return (flags & 3) == POLARITY_ACTIVE_LOW ? Polarity.ACTIVE_LOW : Polarity.ACTIVE_HIGH;
    }

    public TriggerMode trigger() {
        return (flags & (3 << 2)) == TRIGGER_LEVEL ? TriggerMode.LEVEL : TriggerMode.EDGE;
    }
}
