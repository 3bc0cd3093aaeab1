package vdm.host;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;

/**
 * A PCI interrupt link device as the firmware declares it (PNP0C0F, ACPI 6.5, 6.2.13): its name, the IRQs its
 * {@code _PRS} offers (GSIs: in APIC mode they are Extended Interrupt descriptors), the one {@code _CRS} reports at
 * boot (0 = disabled) and the trigger and polarity of its descriptors (PCI's level, active low unless it says
 * otherwise). The run-time state is a {@link LinkDevice}.
 */
public record LinkDescriptor(String name, List<Integer> possible, int current, TriggerMode trigger, Polarity polarity) {
    private static final Pattern NAME_SEG = Pattern.compile("[A-Z_][A-Z0-9_]{0,3}");

    public LinkDescriptor {
        if (name == null || !NAME_SEG.matcher(name).matches()) {
            throw new HostDescriptionException("link " + name, "the name must be an ACPI NameSeg: 1..4 of A-Z, 0-9, _ "
                    + "not starting with a digit (e.g. LNKA)");
        }
        String me = "link " + name;
        if (possible == null || possible.isEmpty()) throw new HostDescriptionException(me, "it offers no possible IRQ (_PRS is empty)");
        int[] sorted = possible.stream().mapToInt(Integer::intValue).sorted().toArray();
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] <= 0) throw new HostDescriptionException(me, "possible IRQ " + sorted[i] + " must be positive (0 means disabled)");
            if (i > 0 && sorted[i] == sorted[i - 1]) throw new HostDescriptionException(me, "possible IRQ " + sorted[i] + " is listed twice");
        }
        possible = Arrays.stream(sorted).boxed().toList();
        if (current != 0 && Arrays.binarySearch(sorted, current) < 0) {
            throw new HostDescriptionException(me, "current IRQ " + current + " is not among its possible IRQs " + possible);
        }
        if (trigger == null) throw new HostDescriptionException(me, "trigger is missing");
        if (polarity == null) throw new HostDescriptionException(me, "polarity is missing");
    }

    /** Level, active low: PCI's default. */
    public static LinkDescriptor pci(String name, List<Integer> possible, int current) {
        return new LinkDescriptor(name, possible, current, TriggerMode.LEVEL, Polarity.ACTIVE_LOW);
    }
}
