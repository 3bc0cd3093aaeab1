package vdm.host;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.InterruptSourceOverride;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.pci.Sbdf;
import vdm.pci.dump.DumpedFunction;
import vdm.pci.dump.LspciDump;
import vdm.pci.dump.SysfsFiles;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;

/**
 * Reads and writes host descriptions as JSON, format version {@value #VERSION} (reference: {@code docs/host-json.md}).
 * Every error is a {@link HostDescriptionException} naming the file, the JSON path ({@code functions[2].at}) and, for
 * syntax and type errors, the line; semantic errors name the element (SBDF, link, IO-APIC).
 */
public final class HostLoader {
    public static final int VERSION = 1;
    public static final String FORMAT = "vdm-host";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .addModule(new SimpleModule().addDeserializer(Long.class, new NumberReader()))
            .build();

    private HostLoader() {}

    // ---------------------------------------------------------------- reading

    /** Reads a description file; dump files it imports are relative to its directory. */
    public static HostDescription read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new HostDescriptionException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.getFileName().toString(), dir);
    }

    /** Reads a description from text; relative dump paths are resolved against {@code baseDir}. */
    public static HostDescription parse(String json, String sourceName, Path baseDir) {
        HostJson h;
        try {
            h = MAPPER.readValue(json, HostJson.class);
        } catch (JsonProcessingException e) {
            throw jsonError(sourceName, e);
        }
        if (h == null) throw new HostDescriptionException(sourceName, "the document is empty (null)");
        try {
            return new Mapping(baseDir == null ? Path.of("") : baseDir).describe(h);
        } catch (HostDescriptionException e) {
            throw new HostDescriptionException(sourceName, e.getMessage(), e);
        }
    }

    public static HostDescription parse(String json) {
        return parse(json, "host description", null);
    }

    /** Reads the file and makes the host (power-on state). */
    public static Host load(Path file) {
        return Host.create(read(file));
    }

    public static Host load(Path file, InterruptSink sink) {
        return Host.create(read(file), sink);
    }

    private static HostDescriptionException jsonError(String source, JsonProcessingException e) {
        String path = e instanceof JsonMappingException m ? path(m.getPath()) : "";
        JsonLocation loc = e.getLocation();
        String where = source + (loc != null && loc.getLineNr() > 0 ? " line " + loc.getLineNr() : "");
        String problem;
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = u.getKnownPropertyIds() == null ? List.of()
                    : u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            problem = "unknown member '" + u.getPropertyName() + "'" + (known.isEmpty() ? "" : " (known: " + String.join(", ", known) + ")");
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null
                && (e.getOriginalMessage().startsWith("Cannot deserialize") || e.getOriginalMessage().startsWith("Cannot construct"))) {
            Class<?> t = m.getTargetType();
            problem = "expected " + (java.util.Collection.class.isAssignableFrom(t) ? "a JSON array"
                    : t == String.class ? "a string" : t == Boolean.class ? "true or false"
                    : t == Long.class ? "an integer" : Map.class.isAssignableFrom(t) || t.isRecord() ? "a JSON object"
                    : t.getSimpleName());
        } else {
            problem = e.getOriginalMessage();
            int cut = problem.indexOf("\n");
            if (cut > 0) problem = problem.substring(0, cut);
        }
        return new HostDescriptionException(where + (path.isEmpty() ? "" : ": " + path), problem, e);
    }

    private static String describe(JsonToken t) {
        if (t == null) return "the end of the document";
        return switch (t) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (!out.isEmpty()) out.append('.');
                out.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    /** JSON numbers, or strings holding a decimal or 0x-prefixed hexadecimal integer (addresses, IDs, sizes). */
    static final class NumberReader extends StdDeserializer<Long> {
        NumberReader() {
            super(Long.class);
        }

        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT) return p.getLongValue();
            if (t == JsonToken.VALUE_STRING) {
                String s = p.getText().strip().replace("_", "");
                try {
                    if (s.startsWith("0x") || s.startsWith("0X")) return Long.parseUnsignedLong(s.substring(2), 16);
                    return Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw InvalidFormatException.from(p, "'" + p.getText() + "' is not an integer (decimal or 0x hex)", p.getText(), Long.class);
                }
            }
            throw InvalidFormatException.from(p, "expected an integer (a number or a \"0x..\" string), found " + describe(t), p.getText(), Long.class);
        }
    }

    // The JSON shapes. Every member is optional to Jackson; Mapping says which are required, naming the path.
    record HostJson(String format, Long version, String description, List<RootJson> rootBridges,
                    List<IoApicJson> ioApics, List<OverrideJson> overrides, SciJson sci, List<BridgeJson> bridges,
                    List<FunctionJson> functions, List<PrtJson> prt, List<LinkJson> links) {}

    record RootJson(Long segment, Long bus, String comment) {}

    record IoApicJson(Long id, Long address, Long gsiBase, Long pins, String comment) {}

    record OverrideJson(Long isaIrq, Long gsi, String trigger, String polarity, String comment) {}

    record SciJson(Long gsi, String trigger, String polarity, String comment) {}

    record BridgeJson(String at, String device, LayoutJson layout, Long secondaryBus, Long subordinateBus,
                      WindowJson io, WindowJson memory, WindowJson prefetchable, String comment) {}

    record FunctionJson(String at, String device, LayoutJson layout, @JsonProperty("import") ImportJson dump,
                        String comment) {}

    record LayoutJson(String name, Long header, Long vendor, Long deviceId, Long classCode, Long revision,
                      Long subsystemVendor, Long subsystemId, String interruptPin, List<BarJson> bars, Long rom,
                      MsixJson msix) {}

    record BarJson(Long index, String kind, Long size, Boolean prefetchable) {}

    record MsixJson(Long vectors, Long tableBar, Long tableOffset, Long pbaBar, Long pbaOffset) {}

    record ImportJson(String file, String format, String function, String name, Map<String, Long> bars, Long rom) {}

    record WindowJson(Long base, Long limit) {}

    record PrtJson(Long segment, Long bus, Long device, String pin, Long gsi, String link, String comment) {}

    record LinkJson(String name, List<Long> possible, Long current, String trigger, String polarity, String comment) {}

    /** From the JSON shapes to a builder; each problem names its path. */
    private record Mapping(Path baseDir) {
        HostDescription describe(HostJson h) {
            if (h.format() != null && !FORMAT.equals(h.format())) {
                throw new HostDescriptionException("format", "'" + h.format() + "' is not '" + FORMAT + "'");
            }
            if (h.version() == null) throw new HostDescriptionException("version", "is missing (this vdm reads version " + VERSION + ")");
            if (h.version() != VERSION) {
                throw new HostDescriptionException("version", h.version() + " is not supported (this vdm reads version " + VERSION + ")");
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
                FunctionSource src = source(br.device(), br.layout(), null, p);
                int sec = i(req(br.secondaryBus(), p + ".secondaryBus"), p + ".secondaryBus");
                int sub = br.subordinateBus() == null ? sec : i(br.subordinateBus(), p + ".subordinateBus");
                b.bridge(BridgeDescriptor.of(at, src, sec, sub).withWindows(window(br.io(), p + ".io"),
                        window(br.memory(), p + ".memory"), window(br.prefetchable(), p + ".prefetchable")));
            });
            each(h.functions(), "functions", (f, p) -> {
                Sbdf at = sbdf(f.at(), p + ".at");
                b.device(at.toString(), source(f.device(), f.layout(), f.dump(), p));
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
            return b.describe();
        }

        interface Step<T> {
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
            return importDump(dump, p + ".import");
        }

        private LayoutSpec layout(LayoutJson l, String p) {
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

        private FunctionSource importDump(ImportJson d, String p) {
            String fileName = req(d.file(), p + ".file");
            Path file = baseDir.resolve(fileName);
            String format = d.format() == null ? "lspci" : d.format();
            byte[] config;
            try {
                switch (format) {
                    case "lspci" -> {
                        List<DumpedFunction> all = LspciDump.read(file);
                        if (d.function() != null) {
                            config = LspciDump.select(all, Sbdf.parse(d.function())).bytes();
                        } else if (all.size() == 1) {
                            config = all.getFirst().bytes();
                        } else {
                            throw new HostDescriptionException(p + ".function", "is missing and " + fileName + " holds "
                                    + all.size() + " functions: " + all.stream().map(f -> f.bdf().toString()).collect(Collectors.joining(", ")));
                        }
                    }
                    case "sysfs" -> config = SysfsFiles.config(file);
                    default -> throw new HostDescriptionException(p + ".format", "'" + format + "' is not lspci or sysfs");
                }
            } catch (UncheckedIOException e) {
                throw new HostDescriptionException(p + ".file", e.getMessage(), e);
            }
            Map<Integer, Long> sizes = new TreeMap<>();
            if (d.bars() != null) {
                for (Map.Entry<String, Long> e : d.bars().entrySet()) {
                    String bp = p + ".bars." + e.getKey();
                    int index;
                    try {
                        index = Integer.parseInt(e.getKey());
                    } catch (NumberFormatException x) {
                        throw new HostDescriptionException(bp, "the key must be a BAR index 0..5");
                    }
                    sizes.put(index, req(e.getValue(), bp));
                }
            }
            String origin = fileName + (d.function() != null ? " " + d.function() : "");
            return new FunctionSource.Dump(d.name(), config, sizes, opt(d.rom(), 0L), origin);
        }

        private static Window window(WindowJson w, String p) {
            if (w == null) return null;
            return new Window(req(w.base(), p + ".base"), req(w.limit(), p + ".limit"));
        }

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

        private static <T> T req(T value, String p) {
            if (value == null) throw new HostDescriptionException(p, "is missing");
            return value;
        }

        private static <T> T opt(T value, T dflt) {
            return value == null ? dflt : value;
        }

        private static int i(long v, String p) {
            if (v < Integer.MIN_VALUE || v > 0xffff_ffffL) throw new HostDescriptionException(p, v + " does not fit 32 bits");
            return (int) v;
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * The description as JSON (version {@value #VERSION}). Functions given as a dump or as a Java-only layout cannot
     * be written (the error names them): reference a dump file by hand instead.
     */
    public static String toJson(HostDescription d) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ArrayNode roots = root.putArray("rootBridges");
        for (RootBus r : d.rootBuses()) roots.addObject().put("segment", r.segment()).put("bus", r.bus());
        ArrayNode apics = root.putArray("ioApics");
        for (IoApicDescriptor a : d.madt().ioApics()) {
            apics.addObject().put("id", a.id()).put("address", hex(a.address())).put("gsiBase", a.gsiBase()).put("pins", a.pins());
        }
        ArrayNode overrides = root.putArray("overrides");
        for (InterruptSourceOverride o : d.madt().overrides()) {
            ObjectNode n = overrides.addObject().put("isaIrq", o.isaIrq()).put("gsi", o.gsi());
            n.put("trigger", switch (o.flags() & 0xc) {
                case InterruptSourceOverride.TRIGGER_EDGE -> "edge";
                case InterruptSourceOverride.TRIGGER_LEVEL -> "level";
                default -> "conforms";
            });
            n.put("polarity", switch (o.flags() & 3) {
                case InterruptSourceOverride.POLARITY_ACTIVE_HIGH -> "active-high";
                case InterruptSourceOverride.POLARITY_ACTIVE_LOW -> "active-low";
                default -> "conforms";
            });
        }
        if (d.madt().sci() != null) {
            Sci s = d.madt().sci();
            root.putObject("sci").put("gsi", s.gsi()).put("trigger", name(s.trigger())).put("polarity", name(s.polarity()));
        }
        ArrayNode bridges = root.putArray("bridges");
        for (BridgeDescriptor b : d.bridges()) {
            ObjectNode n = bridges.addObject().put("at", b.sbdf().toString());
            source(n, b.source(), "bridge " + b.sbdf());
            n.put("secondaryBus", b.secondaryBus()).put("subordinateBus", b.subordinateBus());
            window(n, "io", b.io());
            window(n, "memory", b.memory());
            window(n, "prefetchable", b.prefetchable());
        }
        ArrayNode functions = root.putArray("functions");
        for (FunctionDescriptor f : d.functions()) {
            source(functions.addObject().put("at", f.sbdf().toString()), f.source(), "device " + f.sbdf());
        }
        ArrayNode prt = root.putArray("prt");
        for (PrtEntry e : d.prt()) {
            ObjectNode n = prt.addObject();
            if (e.segment() != 0) n.put("segment", e.segment());
            n.put("bus", e.bus()).put("device", e.device()).put("pin", e.pin().name());
            if (e.direct()) n.put("gsi", e.gsi()); else n.put("link", e.link());
        }
        ArrayNode links = root.putArray("links");
        for (LinkDescriptor l : d.links()) {
            ObjectNode n = links.addObject().put("name", l.name());
            ArrayNode possible = n.putArray("possible");
            l.possible().forEach(possible::add);
            n.put("current", l.current()).put("trigger", name(l.trigger())).put("polarity", name(l.polarity()));
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void source(ObjectNode n, FunctionSource s, String element) {
        switch (s) {
            case FunctionSource.Catalog c -> n.put("device", c.name());
            case FunctionSource.Declared(LayoutSpec l) -> {
                ObjectNode o = n.putObject("layout").put("name", l.name()).put("header", l.headerType())
                        .put("vendor", hex4(l.vendor())).put("deviceId", hex4(l.device()))
                        .put("classCode", String.format("0x%06x", l.classCode()));
                if (l.revision() != 0) o.put("revision", l.revision());
                if (l.subsystemVendor() != 0 || l.subsystem() != 0) {
                    o.put("subsystemVendor", hex4(l.subsystemVendor())).put("subsystemId", hex4(l.subsystem()));
                }
                o.put("interruptPin", l.interruptPin() == 0 ? "none" : IntxPin.ofRegister(l.interruptPin()).name());
                if (!l.bars().isEmpty()) {
                    ArrayNode bars = o.putArray("bars");
                    l.bars().forEach((i, b) -> {
                        ObjectNode bn = bars.addObject().put("index", i).put("kind", b.kind().name().toLowerCase(Locale.ROOT)).put("size", hex(b.size()));
                        if (b.prefetchable()) bn.put("prefetchable", true);
                    });
                }
                if (l.romSize() != 0) o.put("rom", hex(l.romSize()));
                if (l.msix() != null) {
                    LayoutSpec.MsixSpec m = l.msix();
                    o.putObject("msix").put("vectors", m.vectors()).put("tableBar", m.tableBar()).put("tableOffset", hex(m.tableOffset()))
                            .put("pbaBar", m.pbaBar()).put("pbaOffset", hex(m.pbaOffset()));
                }
            }
            case FunctionSource.Dump dump -> throw new HostDescriptionException(element, "an imported dump cannot be written "
                    + "back; save the dump to a file and reference it with \"import\"");
            case FunctionSource.Custom c -> throw new HostDescriptionException(element, "layout '" + c.layout().name()
                    + "' was given from Java and has no JSON form");
        }
    }

    private static void window(ObjectNode n, String name, Window w) {
        if (w != null) n.putObject(name).put("base", hex(w.base())).put("limit", hex(w.limit()));
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String hex4(int v) {
        return String.format("0x%04x", v);
    }
}
