package vdm.host;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;

/**
 * The host's PCI routing tables: every bus's {@code _PRT} entries, the link devices they name and the bridge above
 * each non-root bus, resolved as an OSPM does (ACPI 6.5, 6.2.13; Linux {@code acpi_pci_irq_lookup}): the entry for
 * (device, pin) on the function's bus; failing that, the pin is swizzled across the bridge ({@code (pin + device)
 * mod 4}, PCI-to-PCI Bridge spec 1.2, 9.1) and looked up as the bridge's on the bridge's bus, up to a root bus.
 * Direct entries are level, active low (ACPI 6.5, 6.2.13); link entries take the link's trigger and polarity and
 * its current IRQ at the time of the lookup, so a {@code _SRS} is seen by the next lookup.
 */
public final class Prt {
    private final Map<Integer, PrtEntry> entries;
    private final Map<String, LinkDevice> links;
    private final Map<Integer, Sbdf> bridgeAbove; // segment << 8 | bus -> the bridge whose secondary bus it is

    Prt(Map<Integer, PrtEntry> entries, Map<String, LinkDevice> links, Map<Integer, Sbdf> bridgeAbove) {
        this.entries = Map.copyOf(entries);
        this.links = Collections.unmodifiableMap(links);
        this.bridgeAbove = Map.copyOf(bridgeAbove);
    }

    /**
     * Resolves INTx pin {@code pin} (the Interrupt Pin register value: 0 = none, 1..4 = INTA..INTD) of the function
     * at {@code sbdf}. Empty when {@code pin} is 0 (the function has no INTx pin) or when no {@code _PRT} entry on
     * the way up to the root covers it (Linux: "no GSI"; {@link HostBuilder} rejects hosts where a present function
     * is in that case).
     */
    public Optional<IntxRoute> lookup(Sbdf sbdf, int pin) {
        if (pin == 0) return Optional.empty();
        return lookup(sbdf, IntxPin.ofRegister(pin));
    }

    public Optional<IntxRoute> lookup(Sbdf sbdf, IntxPin pin) {
        PrtEntry e = find(sbdf, pin);
        return e == null ? Optional.empty() : Optional.of(resolve(sbdf, pin, e));
    }

    /** The entry that covers (sbdf, pin), swizzling up through bridges; null if none does. */
    PrtEntry find(Sbdf sbdf, IntxPin pin) {
        int segment = sbdf.segment(), bus = sbdf.bus(), device = sbdf.device();
        IntxPin p = pin;
        for (int depth = 0; depth < 256; depth++) {
            PrtEntry e = entries.get(PrtEntry.key(segment, bus, device, p));
            if (e != null) return e;
            Sbdf bridge = bridgeAbove.get(segment << 8 | bus);
            if (bridge == null) return null;
            p = p.swizzle(device);
            bus = bridge.bus();
            device = bridge.device();
        }
        return null; // unreachable for a validated topology (buses increase downwards)
    }

    private IntxRoute resolve(Sbdf sbdf, IntxPin pin, PrtEntry e) {
        if (e.direct()) return new IntxRoute(sbdf, pin, e, null, e.gsi(), TriggerMode.LEVEL, Polarity.ACTIVE_LOW);
        LinkDevice link = links.get(e.link());
        int current = link.current();
        return new IntxRoute(sbdf, pin, e, link.name(), current == 0 ? IntxRoute.NO_GSI : current, link.trigger(),
                link.polarity());
    }

    /** The link device named {@code name}, if the host has it. */
    public Optional<LinkDevice> link(String name) {
        return Optional.ofNullable(links.get(name));
    }

    public List<LinkDevice> links() {
        return List.copyOf(links.values());
    }

    public List<PrtEntry> entries() {
        return entries.values().stream().sorted(java.util.Comparator.comparingInt(PrtEntry::key)).toList();
    }
}
