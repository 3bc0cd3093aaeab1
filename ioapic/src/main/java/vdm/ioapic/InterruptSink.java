package vdm.ioapic;

/**
 * Where an IO-APIC sends its interrupts: the message a real IO-APIC puts on the bus to the local APICs, given as the
 * MSI-style address/data pair (see {@link MsiMessage} to decode it) plus where it came from. Called on the thread
 * whose action caused the delivery (an assert, an EOI, an unmasking write), after the state change is published.
 * Implementations must be thread-safe; to keep delivery allocation-free everything is a primitive.
 */
@FunctionalInterface
public interface InterruptSink {
    /** A sink that drops every interrupt. */
    InterruptSink DISCARD = (source, pin, address, data) -> { };

    /**
     * @param source  the IO-APIC that delivers (GSI = {@code source.gsiBase() + pin})
     * @param pin     its input pin
     * @param address {@code 0xFEE00000 | destination << 12 | destination mode << 2} (see {@link MsiMessage})
     * @param data    {@code vector | delivery mode << 8 | trigger << 15}
     */
    void deliver(IoApic source, int pin, long address, int data);
}
