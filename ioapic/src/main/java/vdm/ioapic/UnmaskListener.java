package vdm.ioapic;

/**
 * Told when a pin goes from masked to unmasked (mask bit 1 -> 0), once per transition, with the trigger and polarity
 * the entry now has. Xen's hardware-domain path hooks this moment: when dom0 unmasks a pin of its vIO-APIC, Xen
 * registers that GSI with the physical IO-APIC ({@code vioapic_write_redirent} -> {@code vioapic_hwdom_map_gsi}).
 * Called on the writer's thread after the new entry is published and before any interrupt the unmasking releases is
 * delivered (Xen maps the GSI before it delivers). Must be thread-safe.
 */
@FunctionalInterface
public interface UnmaskListener {
    /**
     * @param source the IO-APIC written
     * @param pin    the pin unmasked
     * @param gsi    {@code source.gsiBase() + pin}
     */
    void unmasked(IoApic source, int pin, int gsi, TriggerMode trigger, Polarity polarity);
}
