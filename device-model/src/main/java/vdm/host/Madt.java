package vdm.host;

import java.util.List;
import java.util.Optional;
import vdm.ioapic.InterruptSourceOverride;

/**
 * What the firmware tells the OS and Xen about interrupt controllers (ACPI 6.5, 5.2.12): the IO-APICs with their GSI
 * bases, the interrupt source overrides (ISA IRQ -> GSI with MPS INTI flags; always including IRQ0 -> GSI 2 unless
 * IRQ0 has its own), and the SCI (strictly the FADT's, kept here because Xen and dom0 read them together).
 * Validated by {@link HostBuilder}.
 */
public record Madt(List<IoApicDescriptor> ioApics, List<InterruptSourceOverride> overrides, Sci sci) {
    public Madt {
        ioApics = List.copyOf(ioApics);
        overrides = List.copyOf(overrides);
    }

    public Optional<Sci> sciIfAny() {
        return Optional.ofNullable(sci);
    }

    /** The IO-APIC serving {@code gsi}, if any. */
    public Optional<IoApicDescriptor> ioApicFor(int gsi) {
        for (IoApicDescriptor a : ioApics) if (a.serves(gsi)) return Optional.of(a);
        return Optional.empty();
    }

    /** The GSI an ISA IRQ arrives on: its override's, else the identity (ACPI 6.5, 5.2.12.5). */
    public int gsiOfIsaIrq(int irq) {
        for (InterruptSourceOverride o : overrides) if (o.isaIrq() == irq) return o.gsi();
        return irq;
    }

    /** One more than the highest GSI served. */
    public int gsiLimit() {
        int limit = 0;
        for (IoApicDescriptor a : ioApics) limit = Math.max(limit, a.lastGsi() + 1);
        return limit;
    }
}
