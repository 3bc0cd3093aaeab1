package vdm.persist;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import vdm.host.BridgeDescriptor;
import vdm.host.Firmware;
import vdm.host.MemoryRegion;
import vdm.host.FunctionSource;
import vdm.host.Host;
import vdm.host.HostBuilder;
import vdm.host.HostDescription;
import vdm.host.HostDescriptionException;
import vdm.host.IntxPin;
import vdm.host.LayoutSpec;
import vdm.host.Window;
import vdm.ioapic.InterruptSourceOverride;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;
import vdm.persist.HostJsonSchema.BarJson;
import vdm.persist.HostJsonSchema.HostJson;
import vdm.persist.HostJsonSchema.LayoutJson;
import vdm.persist.HostJsonSchema.ImportJson;
import vdm.persist.HostJsonSchema.MsixJson;
import vdm.persist.HostJsonSchema.OverrideJson;
import vdm.persist.HostJsonSchema.SciJson;
import vdm.persist.HostJsonSchema.WindowJson;

/**
 * From the JSON shapes to a host builder: which members are required, what their defaults are, which words an enum
 * member takes. Each problem names its JSON path ({@code ioApics[0].gsiBase}); the builder's own checks (duplicate
 * SBDFs, missing bridges, GSIs no IO-APIC serves) name the element.
 */
final class HostJsonMapping {
    private final DumpImport dumps;

    HostJsonMapping(DumpImport dumps) {
        this.dumps = dumps;
    }

    HostDescription describe(HostJson h) {
        if (h.format() != null && !HostJsonSchema.FORMAT.equals(h.format())) {
            throw new HostDescriptionException("format", "'" + h.format() + "' is not '" + HostJsonSchema.FORMAT + "'");
        }
        if (h.version() == null) throw new HostDescriptionException("version", "is missing (this vdm reads version " + HostJsonSchema.VERSION + ")");
        if (h.version() != HostJsonSchema.VERSION) {
            throw new HostDescriptionException("version", h.version() + " is not supported (this vdm reads version " + HostJsonSchema.VERSION + ")");
        }
        HostBuilder b = Host.builder();
        each(h.rootBridges(), "rootBridges", (r, p) -> b.rootBridge(i(opt(r.segment(), 0L), p + ".segment"), i(req(r.bus(), p + ".bus"), p + ".bus")));
        if (h.ioApics() == null || h.ioApics().isEmpty()) throw new HostDescriptionException("ioApics", "is missing or empty; a host needs at least one IO-APIC");
        each(h.ioApics(), "ioApics", (a, p) -> b.ioApic(i(req(a.id(), p + ".id"), p + ".id"), req(a.address(), p + ".address"),
                i(req(a.gsiBase(), p + ".gsiBase"), p + ".gsiBase"), i(req(a.pins(), p + ".pins"), p + ".pins")));
        each(h.overrides(), "overrides", (o, p) -> b.override(i(req(o.isaIrq(), p + ".isaIrq"), p + ".isaIrq"),
                i(req(o.gsi(), p + ".gsi"), p + ".gsi"), overrideFlags(o, p)));
        if (h.sci() != null) {
            SciJson s = h.sci();
            b.sci(i(req(s.gsi(), "sci.gsi"), "sci.gsi"), trigger(s.trigger(), "sci.trigger", TriggerMode.LEVEL),
                    polarity(s.polarity(), "sci.polarity", Polarity.ACTIVE_LOW));
        }
        each(h.bridges(), "bridges", (br, p) -> {
            Sbdf at = sbdf(br.at(), p + ".at");
            FunctionSource src = source(br.device(), br.layout(), br.dump(), p);
            int sec = i(req(br.secondaryBus(), p + ".secondaryBus"), p + ".secondaryBus");
            int sub = br.subordinateBus() == null ? sec : i(br.subordinateBus(), p + ".subordinateBus");
            b.bridge(BridgeDescriptor.of(at, src, sec, sub).withWindows(window(br.io(), p + ".io"),
                    window(br.memory(), p + ".memory"), window(br.prefetchable(), p + ".prefetchable")));
        });
        each(h.functions(), "functions", (f, p) -> {
            Sbdf at = sbdf(f.at(), p + ".at");
            b.device(at.toString(), source(f.device(), f.layout(), f.dump(), p), firmware(f.firmware(), p + ".firmware"));
        });
        each(h.prt(), "prt", (e, p) -> {
            int seg = i(opt(e.segment(), 0L), p + ".segment");
            int bus = i(req(e.bus(), p + ".bus"), p + ".bus");
            int dev = i(req(e.device(), p + ".device"), p + ".device");
            IntxPin pin = pin(req(e.pin(), p + ".pin"), p + ".pin");
            if ((e.gsi() == null) == (e.link() == null)) {
                throw new HostDescriptionException(p, "needs exactly one of 'gsi' (wired directly) and 'link' (a link device)");
            }
            if (e.gsi() != null) b.prt(seg, bus, dev, pin, i(e.gsi(), p + ".gsi"));
            else b.prtLink(seg, bus, dev, pin, e.link());
        });
        each(h.links(), "links", (l, p) -> {
            List<Integer> possible = new ArrayList<>();
            List<Long> given = req(l.possible(), p + ".possible");
            for (int k = 0; k < given.size(); k++) possible.add(i(req(given.get(k), p + ".possible[" + k + "]"), p + ".possible[" + k + "]"));
            b.link(req(l.name(), p + ".name"), possible, i(opt(l.current(), 0L), p + ".current"),
                    trigger(l.trigger(), p + ".trigger", TriggerMode.LEVEL), polarity(l.polarity(), p + ".polarity", Polarity.ACTIVE_LOW));
        });
        each(h.memoryMap(), "memoryMap", (m, p) -> {
            MemoryRegion.Type type;
            try {
                type = MemoryRegion.Type.of(req(m.type(), p + ".type"));
            } catch (HostDescriptionException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new HostDescriptionException(p + ".type", e.getMessage(), e);
            }
            b.memory(req(m.start(), p + ".start"), req(m.end(), p + ".end"), type);
        });
        return b.describe();
    }

    private interface Step<T> {
        void apply(T item, String path);
    }

    /** Applies {@code step} to each element, turning a failure into one naming the element's path. */
    private static <T> void each(List<T> items, String name, Step<T> step) {
        if (items == null) return;
        for (int k = 0; k < items.size(); k++) {
            String p = name + "[" + k + "]";
            T item = items.get(k);
            if (item == null) throw new HostDescriptionException(p, "is null");
            try {
                step.apply(item, p);
            } catch (HostDescriptionException e) {
                if (e.element().startsWith(p)) throw e;
                throw new HostDescriptionException(p, e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new HostDescriptionException(p, e.getMessage(), e);
            }
        }
    }

    private FunctionSource source(String device, LayoutJson layout, ImportJson dump, String p) {
        int given = (device != null ? 1 : 0) + (layout != null ? 1 : 0) + (dump != null ? 1 : 0);
        if (given != 1) {
            throw new HostDescriptionException(p, "needs exactly one of 'device' (a catalog name), 'layout' and 'import'"
                    + (given == 0 ? "" : ", not " + given));
        }
        if (device != null) return new FunctionSource.Catalog(device);
        if (layout != null) return new FunctionSource.Declared(layout(layout, p + ".layout"));
        return dumps.source(dump, p + ".import");
    }

    private static LayoutSpec layout(LayoutJson l, String p) {
        Map<Integer, Bar> bars = new TreeMap<>();
        if (l.bars() != null) {
            for (int k = 0; k < l.bars().size(); k++) {
                String bp = p + ".bars[" + k + "]";
                BarJson bj = l.bars().get(k);
                if (bj == null) throw new HostDescriptionException(bp, "is null");
                int index = i(req(bj.index(), bp + ".index"), bp + ".index");
                BarKind kind = switch (req(bj.kind(), bp + ".kind").toLowerCase(Locale.ROOT)) {
                    case "io" -> BarKind.IO;
                    case "mem32" -> BarKind.MEM32;
                    case "mem64" -> BarKind.MEM64;
                    default -> throw new HostDescriptionException(bp + ".kind", "'" + bj.kind() + "' is not io, mem32 or mem64");
                };
                try {
                    if (bars.put(index, new Bar(kind, req(bj.size(), bp + ".size"), Boolean.TRUE.equals(bj.prefetchable()))) != null) {
                        throw new HostDescriptionException(bp + ".index", "BAR" + index + " is declared twice");
                    }
                } catch (HostDescriptionException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new HostDescriptionException(bp, e.getMessage(), e);
                }
            }
        }
        LayoutSpec.MsixSpec msix = null;
        if (l.msix() != null) {
            MsixJson m = l.msix();
            String mp = p + ".msix";
            msix = new LayoutSpec.MsixSpec(i(req(m.vectors(), mp + ".vectors"), mp + ".vectors"), i(req(m.tableBar(), mp + ".tableBar"), mp + ".tableBar"),
                    i(req(m.tableOffset(), mp + ".tableOffset"), mp + ".tableOffset"), i(req(m.pbaBar(), mp + ".pbaBar"), mp + ".pbaBar"),
                    i(req(m.pbaOffset(), mp + ".pbaOffset"), mp + ".pbaOffset"));
        }
        int pin = l.interruptPin() == null || l.interruptPin().equalsIgnoreCase("none") ? 0
                : pin(l.interruptPin(), p + ".interruptPin").register();
        return new LayoutSpec(req(l.name(), p + ".name"), i(opt(l.header(), 0L), p + ".header"),
                i(req(l.vendor(), p + ".vendor"), p + ".vendor"), i(req(l.deviceId(), p + ".deviceId"), p + ".deviceId"),
                i(req(l.classCode(), p + ".classCode"), p + ".classCode"), i(opt(l.revision(), 0L), p + ".revision"),
                i(opt(l.subsystemVendor(), 0L), p + ".subsystemVendor"), i(opt(l.subsystemId(), 0L), p + ".subsystemId"),
                pin, bars, opt(l.rom(), 0L), msix);
    }

    private static Firmware firmware(HostJsonSchema.FirmwareJson f, String p) {
        if (f == null) return Firmware.NONE;
        Map<Integer, Long> bars = new TreeMap<>();
        if (f.bars() != null) {
            for (int k = 0; k < f.bars().size(); k++) {
                String bp = p + ".bars[" + k + "]";
                HostJsonSchema.PlacedBarJson bj = req(f.bars().get(k), bp);
                int index = i(req(bj.index(), bp + ".index"), bp + ".index");
                if (bars.put(index, req(bj.address(), bp + ".address")) != null) {
                    throw new HostDescriptionException(bp + ".index", "BAR" + index + " is placed twice");
                }
            }
        }
        return new Firmware(Boolean.TRUE.equals(f.msixMaskall()), Boolean.TRUE.equals(f.msixEnable()),
                Boolean.TRUE.equals(f.maskallSurvivesReset()), bars, Boolean.TRUE.equals(f.memoryDecoding()));
    }

    private static Window window(WindowJson w, String p) {
        if (w == null) return null;
        return new Window(req(w.base(), p + ".base"), req(w.limit(), p + ".limit"));
    }

    /** An interrupt source override's MPS INTI flags (ACPI 6.5, table 5.50) from its two words. */
    private static int overrideFlags(OverrideJson o, String p) {
        int pol = switch (o.polarity() == null ? "conforms" : o.polarity().toLowerCase(Locale.ROOT)) {
            case "conforms" -> InterruptSourceOverride.POLARITY_CONFORMS;
            case "active-high", "high" -> InterruptSourceOverride.POLARITY_ACTIVE_HIGH;
            case "active-low", "low" -> InterruptSourceOverride.POLARITY_ACTIVE_LOW;
            default -> throw new HostDescriptionException(p + ".polarity", "'" + o.polarity() + "' is not conforms, active-high or active-low");
        };
        int trig = switch (o.trigger() == null ? "conforms" : o.trigger().toLowerCase(Locale.ROOT)) {
            case "conforms" -> InterruptSourceOverride.TRIGGER_CONFORMS;
            case "edge" -> InterruptSourceOverride.TRIGGER_EDGE;
            case "level" -> InterruptSourceOverride.TRIGGER_LEVEL;
            default -> throw new HostDescriptionException(p + ".trigger", "'" + o.trigger() + "' is not conforms, edge or level");
        };
        return pol | trig;
    }

    private static TriggerMode trigger(String s, String p, TriggerMode dflt) {
        if (s == null) return dflt;
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "level" -> TriggerMode.LEVEL;
            case "edge" -> TriggerMode.EDGE;
            default -> throw new HostDescriptionException(p, "'" + s + "' is not level or edge");
        };
    }

    private static Polarity polarity(String s, String p, Polarity dflt) {
        if (s == null) return dflt;
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "active-low", "low" -> Polarity.ACTIVE_LOW;
            case "active-high", "high" -> Polarity.ACTIVE_HIGH;
            default -> throw new HostDescriptionException(p, "'" + s + "' is not active-low or active-high");
        };
    }

    private static IntxPin pin(String s, String p) {
        try {
            return IntxPin.parse(s);
        } catch (IllegalArgumentException e) {
            throw new HostDescriptionException(p, e.getMessage(), e);
        }
    }

    private static Sbdf sbdf(String s, String p) {
        try {
            return Sbdf.parse(req(s, p));
        } catch (HostDescriptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new HostDescriptionException(p, e.getMessage(), e);
        }
    }

    /** A required member's value; a missing one is an error naming its path. */
    static <T> T req(T value, String p) {
        if (value == null) throw new HostDescriptionException(p, "is missing");
        return value;
    }

    static <T> T opt(T value, T dflt) {
        return value == null ? dflt : value;
    }

    /** 32-bit registers may be written signed or unsigned. */
    private static int i(long v, String p) {
        if (v < Integer.MIN_VALUE || v > 0xffff_ffffL) throw new HostDescriptionException(p, v + " does not fit 32 bits");
        return (int) v;
    }
}
