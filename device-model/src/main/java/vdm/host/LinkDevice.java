package vdm.host;

import java.util.Arrays;
import java.util.List;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;

/**
 * A PCI interrupt link device at run time (PNP0C0F, ACPI 6.5, 6.2.13): {@code _CRS} is {@link #current()},
 * {@code _SRS} is {@link #setResource}, {@code _DIS} is {@link #disable()}. Re-routing changes what every
 * {@code _PRT} lookup through this link answers from then on; a GSI cached elsewhere (by dom0, pciback, Xen) is
 * not told and goes stale, as on real hardware. Thread-safe: the current IRQ is one volatile int.
 */
public final class LinkDevice {
    private final LinkDescriptor descriptor;
    private final int[] possible;
    private volatile int current;

    LinkDevice(LinkDescriptor descriptor) {
        this.descriptor = descriptor;
        this.possible = descriptor.possible().stream().mapToInt(Integer::intValue).toArray();
        this.current = descriptor.current();
    }

    public String name() {
        return descriptor.name();
    }

    public LinkDescriptor descriptor() {
        return descriptor;
    }

    /** {@code _PRS}: the GSIs this link can be routed to, ascending. */
    public List<Integer> possible() {
        return descriptor.possible();
    }

    public boolean isPossible(int irq) {
        return Arrays.binarySearch(possible, irq) >= 0;
    }

    /** {@code _CRS}: the GSI the link decodes now; 0 when disabled. */
    public int current() {
        return current;
    }

    public boolean enabled() {
        return current != 0;
    }

    public TriggerMode trigger() {
        return descriptor.trigger();
    }

    public Polarity polarity() {
        return descriptor.polarity();
    }

    /**
     * {@code _SRS}: routes the link to {@code irq}, which must be one of {@link #possible()}; otherwise nothing
     * changes and the error names the link and its choices.
     */
    public void setResource(int irq) {
        if (!isPossible(irq)) {
            throw new IllegalArgumentException("link " + name() + ": _SRS of IRQ " + irq + " refused, possible IRQs are "
                    + possible());
        }
        current = irq;
    }

    /** {@code _DIS}: the link stops decoding; lookups through it give no GSI until it is set again. */
    public void disable() {
        current = 0;
    }

    /**
     * What an OSPM does before using a disabled link (Linux {@code acpi_pci_link_allocate}): pick an IRQ and
     * {@code _SRS} it. Linux weighs IRQ penalties; here the lowest possible IRQ is taken. An enabled link keeps its
     * IRQ. Returns the current IRQ.
     */
    public synchronized int allocate() {
        if (current == 0) current = possible[0];
        return current;
    }

    @Override
    public String toString() {
        return "link " + name() + " (current " + (current == 0 ? "disabled" : current) + ", possible " + possible() + ")";
    }
}
