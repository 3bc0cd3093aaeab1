package vdm.persist;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import vdm.host.BridgeDescriptor;
import vdm.host.FunctionSource;
import vdm.host.HostDescription;
import vdm.host.HostDescriptionException;
import vdm.host.IntxPin;
import vdm.host.LayoutSpec;
import vdm.host.Sci;
import vdm.host.Window;
import vdm.ioapic.InterruptSourceOverride;
import vdm.pci.Mode;
import vdm.persist.HostJsonSchema.BarJson;
import vdm.persist.HostJsonSchema.BridgeJson;
import vdm.persist.HostJsonSchema.FunctionJson;
import vdm.persist.HostJsonSchema.HostJson;
import vdm.persist.HostJsonSchema.ImportJson;
import vdm.persist.HostJsonSchema.IoApicJson;
import vdm.persist.HostJsonSchema.LayoutJson;
import vdm.persist.HostJsonSchema.LinkJson;
import vdm.persist.HostJsonSchema.MsixJson;
import vdm.persist.HostJsonSchema.OverrideJson;
import vdm.persist.HostJsonSchema.PrtJson;
import vdm.persist.HostJsonSchema.RootJson;
import vdm.persist.HostJsonSchema.SciJson;
import vdm.persist.HostJsonSchema.WindowJson;

/**
 * Writes a host description as JSON (format version {@value HostJsonSchema#VERSION}): every member the reader would
 * default is written out, except those that are zero or absent in the description. An imported dump is written as an
 * {@code import} with its bytes inline ({@code config}: hex, 32 bytes a string); a Java-only layout cannot be written
 * (the error names it).
 */
public final class HostJsonWriter {
    private HostJsonWriter() {}

    /** The description as an indented JSON document, with a final newline. */
    public static String toJson(HostDescription d) {
        try {
            return HostJsonSchema.MAPPER.writeValueAsString(document(d)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a host document did not serialize: " + e.getOriginalMessage(), e);
        }
    }

    /** The same document as a tree, for embedding (a snapshot holds its host). */
    static JsonNode toTree(HostDescription d) {
        return HostJsonSchema.MAPPER.valueToTree(document(d));
    }

    private static HostJson document(HostDescription d) {
        List<RootJson> roots = d.rootBuses().stream().map(r -> new RootJson(n(r.segment()), n(r.bus()), null)).toList();
        List<IoApicJson> apics = d.madt().ioApics().stream()
                .map(a -> new IoApicJson(n(a.id()), a.address(), n(a.gsiBase()), n(a.pins()), null)).toList();
        List<OverrideJson> overrides = d.madt().overrides().stream()
                .map(o -> new OverrideJson(n(o.isaIrq()), n(o.gsi()), trigger(o.flags()), polarity(o.flags()), null)).toList();
        Sci s = d.madt().sci();
        SciJson sci = s == null ? null : new SciJson(n(s.gsi()), name(s.trigger()), name(s.polarity()), null);
        List<BridgeJson> bridges = d.bridges().stream().map(HostJsonWriter::bridge).toList();
        List<FunctionJson> functions = d.functions().stream().map(f -> {
            Source src = source(f.source(), "device " + f.sbdf());
            return new FunctionJson(f.sbdf().toString(), src.device(), src.layout(), src.dump(), firmware(f.firmware()), null);
        }).toList();
        List<PrtJson> prt = d.prt().stream().map(e -> new PrtJson(e.segment() == 0 ? null : n(e.segment()), n(e.bus()),
                n(e.device()), e.pin().name(), e.direct() ? n(e.gsi()) : null, e.direct() ? null : e.link(), null)).toList();
        List<LinkJson> links = d.links().stream().map(l -> new LinkJson(l.name(), l.possible().stream().map(HostJsonWriter::n).toList(),
                n(l.current()), name(l.trigger()), name(l.polarity()), null)).toList();
        List<HostJsonSchema.MemoryJson> memory = d.memoryMap().isEmpty() ? null : d.memoryMap().stream()
                .map(m -> new HostJsonSchema.MemoryJson(m.start(), m.end(), m.type().word(), null)).toList();
        return new HostJson(HostJsonSchema.FORMAT, n(HostJsonSchema.VERSION), null, roots, apics, overrides, sci, bridges,
                functions, prt, links, memory);
    }

    /** Only what firmware left: a member that is false is not written. */
    private static HostJsonSchema.FirmwareJson firmware(vdm.host.Firmware fw) {
        if (!fw.leavesAnything()) return null;
        List<HostJsonSchema.PlacedBarJson> bars = fw.bars().isEmpty() ? null : fw.bars().entrySet().stream()
                .map(e -> new HostJsonSchema.PlacedBarJson(n(e.getKey()), e.getValue(), null)).toList();
        return new HostJsonSchema.FirmwareJson(fw.msixMaskall() ? true : null, fw.msixEnable() ? true : null,
                fw.maskallSurvivesReset() ? true : null, bars, fw.memoryDecoding() ? true : null, null);
    }

    private static BridgeJson bridge(BridgeDescriptor b) {
        Source src = source(b.source(), "bridge " + b.sbdf());
        return new BridgeJson(b.sbdf().toString(), src.device(), src.layout(), n(b.secondaryBus()), n(b.subordinateBus()),
                window(b.io()), window(b.memory()), window(b.prefetchable()), null, src.dump());
    }

    /** A function's {@code device} (a catalog name), {@code layout} or {@code import}; exactly one is set. */
    private record Source(String device, LayoutJson layout, ImportJson dump) {}

    private static Source source(FunctionSource s, String element) {
        return switch (s) {
            case FunctionSource.Catalog c when c.mode() != Mode.HARDWARE -> throw new HostDescriptionException(element,
                    "catalog device '" + c.name() + "' in " + c.mode() + " mode has no JSON form (host JSON describes hardware)");
            case FunctionSource.Catalog c -> new Source(c.name(), null, null);
            case FunctionSource.Declared(LayoutSpec l) -> new Source(null, layout(l), null);
            case FunctionSource.Dump dump -> new Source(null, null, dump(dump));
            case FunctionSource.Custom c -> throw new HostDescriptionException(element, "layout '" + c.layout().name()
                    + "' was given from Java and has no JSON form");
        };
    }

    /** An import with the bytes inline, 32 to a string, so that a diff shows which bytes changed. */
    private static ImportJson dump(FunctionSource.Dump d) {
        String hex = HexFormat.of().formatHex(d.config());
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < hex.length(); i += 64) lines.add(hex.substring(i, Math.min(hex.length(), i + 64)));
        Map<String, Long> bars = d.barSizes().isEmpty() ? null : new LinkedHashMap<>();
        d.barSizes().forEach((k, v) -> bars.put(String.valueOf(k), v));
        return new ImportJson(null, null, null, d.name(), bars, d.romSize() == 0 ? null : d.romSize(), lines);
    }

    private static LayoutJson layout(LayoutSpec l) {
        boolean subsystem = l.subsystemVendor() != 0 || l.subsystem() != 0;
        List<BarJson> bars = l.bars().isEmpty() ? null : l.bars().entrySet().stream()
                .map(e -> new BarJson(n(e.getKey()), e.getValue().kind().name().toLowerCase(Locale.ROOT), e.getValue().size(),
                        e.getValue().prefetchable() ? Boolean.TRUE : null)).toList();
        LayoutSpec.MsixSpec m = l.msix();
        MsixJson msix = m == null ? null : new MsixJson(n(m.vectors()), n(m.tableBar()), n(m.tableOffset()), n(m.pbaBar()), n(m.pbaOffset()));
        return new LayoutJson(l.name(), n(l.headerType()), n(l.vendor()), n(l.device()), n(l.classCode()),
                l.revision() == 0 ? null : n(l.revision()), subsystem ? n(l.subsystemVendor()) : null, subsystem ? n(l.subsystem()) : null,
                l.interruptPin() == 0 ? "none" : IntxPin.ofRegister(l.interruptPin()).name(), bars,
                l.romSize() == 0 ? null : l.romSize(), msix);
    }

    private static WindowJson window(Window w) {
        return w == null ? null : new WindowJson(w.base(), w.limit());
    }

    /** The trigger half of MPS INTI flags (ACPI 6.5, table 5.50). */
    private static String trigger(int flags) {
        return switch (flags & 0xc) {
            case InterruptSourceOverride.TRIGGER_EDGE -> "edge";
            case InterruptSourceOverride.TRIGGER_LEVEL -> "level";
            default -> "conforms";
        };
    }

    private static String polarity(int flags) {
        return switch (flags & 3) {
            case InterruptSourceOverride.POLARITY_ACTIVE_HIGH -> "active-high";
            case InterruptSourceOverride.POLARITY_ACTIVE_LOW -> "active-low";
            default -> "conforms";
        };
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static Long n(int v) {
        return (long) v;
    }
}
