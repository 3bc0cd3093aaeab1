package vdm.dom0;

import java.util.HashMap;
import java.util.Map;

/**
 * dom0 Linux's IRQ numbers for GSIs (acpi_register_gsi). A PVH dom0 runs the native IO-APIC code: legacy GSIs 0..15
 * keep their number and every other GSI gets the next free IRQ in the order GSIs are registered, so IRQ != GSI in
 * general ("gsi 38 may come before gsi 28") and a sysfs {@code irq} is not a GSI. A PV dom0 binds each GSI's pirq to
 * an IRQ allocated from the GSI itself (xen_allocate_irq_gsi), so there IRQ == GSI.
 */
public final class LinuxIrqs {
    public static final int NR_LEGACY_IRQS = 16;
    private final boolean identity;

    public LinuxIrqs(boolean identity) {
        this.identity = identity;
    }

    private final Map<Integer, Integer> irqOfGsi = new HashMap<>();
    private final Map<Integer, Integer> gsiOfIrq = new HashMap<>();
    private int next = NR_LEGACY_IRQS;

    /** The IRQ for {@code gsi}, allocating one on first registration. */
    public synchronized int register(int gsi) {
        Integer irq = irqOfGsi.get(gsi);
        if (irq != null) return irq;
        int n = gsi < NR_LEGACY_IRQS || identity ? gsi : next++;
        irqOfGsi.put(gsi, n);
        gsiOfIrq.put(n, gsi);
        return n;
    }

    /** The IRQ acpi_register_gsi gave a GSI. */
    public record Registration(int gsi, int irq) {}

    /** What a state capture saves: the GSIs registered, by GSI, and the next dynamic IRQ. */
    public record Saved(Registration[] registrations, int nextIrq) {}

    synchronized Saved export() {
        Registration[] out = new java.util.TreeMap<>(irqOfGsi).entrySet().stream()
                .map(e -> new Registration(e.getKey(), e.getValue())).toArray(Registration[]::new);
        return new Saved(out, next);
    }

    synchronized void restore(Saved saved) {
        irqOfGsi.clear();
        gsiOfIrq.clear();
        for (Registration r : saved.registrations()) {
            irqOfGsi.put(r.gsi(), r.irq());
            gsiOfIrq.put(r.irq(), r.gsi());
        }
        next = saved.nextIrq();
    }

    /** The IRQ a GSI was given, or -1. */
    public synchronized int irqOf(int gsi) {
        return irqOfGsi.getOrDefault(gsi, -1);
    }

    /** The GSI behind an IRQ, or -1. */
    public synchronized int gsiOf(int irq) {
        return gsiOfIrq.getOrDefault(irq, -1);
    }
}
