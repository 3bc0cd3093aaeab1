package vdm.capture;

import java.util.List;
import java.util.stream.Collectors;
import vdm.host.IoApicDescriptor;
import vdm.host.Sci;
import vdm.ioapic.InterruptSourceOverride;

/**
 * What a capture found and decided: counts, each IO-APIC with how its pin count was chosen, the overrides, the SCI,
 * the MCFG segments, where the {@code _PRT} entries came from, and what was not captured with the reason.
 */
public record CaptureReport(int functions, int bridges, List<IoApicChoice> ioApics, List<InterruptSourceOverride> overrides,
                            Sci sci, List<McfgTable.Segment> mcfg, int prtEntries, List<String> prtSources, int links,
                            List<Omission> notCaptured, List<String> notes) {
    /** An IO-APIC as described, and why it has the pins it has (the MADT does not say). */
    public record IoApicChoice(IoApicDescriptor apic, String pinsChosen) {}

    /** Something on the machine that is not in the description, and why. */
    public record Omission(String what, String why) {
        @Override
        public String toString() {
            return what + ": " + why;
        }
    }

    public CaptureReport {
        ioApics = List.copyOf(ioApics);
        overrides = List.copyOf(overrides);
        mcfg = List.copyOf(mcfg);
        prtSources = List.copyOf(prtSources);
        notCaptured = List.copyOf(notCaptured);
        notes = List.copyOf(notes);
    }

    /** The short summary the command prints on stderr. */
    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("functions: %d (bridges: %d)%n", functions, bridges));
        for (IoApicChoice c : ioApics) s.append(String.format("%s: ID %d, %d pins (%s)%n", c.apic(), c.apic().id(), c.apic().pins(), c.pinsChosen()));
        s.append("interrupt source overrides: ").append(overrides.isEmpty() ? "none" : overrides.stream()
                .map(o -> String.format("IRQ%d -> GSI %d (flags 0x%x)", o.isaIrq(), o.gsi(), o.flags())).collect(Collectors.joining(", "))).append('\n');
        s.append("SCI: ").append(sci == null ? "none" : String.format("GSI %d, %s, %s", sci.gsi(),
                sci.trigger().name().toLowerCase(), sci.polarity().name().toLowerCase().replace('_', '-'))).append('\n');
        s.append("MCFG: ").append(mcfg.isEmpty() ? "none" : mcfg.stream().map(Object::toString).collect(Collectors.joining(", "))).append('\n');
        s.append(String.format("_PRT entries: %d%s%n", prtEntries, prtSources.isEmpty() ? "" : " from " + String.join(", ", prtSources)));
        s.append(String.format("link devices: %d%n", links));
        for (Omission o : notCaptured) s.append("not captured: ").append(o).append('\n');
        for (String n : notes) s.append("note: ").append(n).append('\n');
        return s.toString();
    }
}
