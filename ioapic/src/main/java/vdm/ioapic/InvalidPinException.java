package vdm.ioapic;

/** A pin number outside an IO-APIC's 0..pins-1. */
public final class InvalidPinException extends IllegalArgumentException {
    private final int pin;
    private final int pins;

    InvalidPinException(IoApic ioApic, int pin) {
        super("pin " + pin + " does not exist on " + ioApic + " (pins 0.." + (ioApic.pins() - 1) + ")");
        this.pin = pin;
        this.pins = ioApic.pins();
    }

    public int pin() {
        return pin;
    }

    public int pins() {
        return pins;
    }
}
