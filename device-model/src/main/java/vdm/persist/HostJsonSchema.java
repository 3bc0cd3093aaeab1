package vdm.persist;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The host description's JSON shapes, format version {@value #VERSION} (reference: {@code docs/host-json.md}), described
 * once for {@link HostJsonReader} and {@link HostJsonWriter}: member names and their order are the records'
 * components, and a member written as a hexadecimal string says so on its component. Every member is optional to
 * Jackson; {@link HostJsonMapping} says which are required, naming the path. A null member is not written.
 */
public final class HostJsonSchema {
    public static final int VERSION = 1;
    public static final String FORMAT = "vdm-host";

    /** Strict reading (unknown, duplicate and trailing members are errors), indented writing. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
            .addModule(new SimpleModule().addDeserializer(Long.class, new NumberReader()))
            .build();

    private HostJsonSchema() {}

    record HostJson(String format, @JsonDeserialize(using = VersionReader.class) Long version, String description, List<RootJson> rootBridges,
                    List<IoApicJson> ioApics, List<OverrideJson> overrides, SciJson sci, List<BridgeJson> bridges,
                    List<FunctionJson> functions, List<PrtJson> prt, List<LinkJson> links, List<MemoryJson> memoryMap) {}

    /** An entry of the host's memory map (vdm.host.MemoryRegion): both ends inclusive, the type as a word. */
    record MemoryJson(@JsonSerialize(using = Hex.class) Long start, @JsonSerialize(using = Hex.class) Long end, String type,
                      String comment) {}

    record RootJson(Long segment, Long bus, String comment) {}

    record IoApicJson(Long id, @JsonSerialize(using = Hex.class) Long address, Long gsiBase, Long pins, String comment) {}

    record OverrideJson(Long isaIrq, Long gsi, String trigger, String polarity, String comment) {}

    record SciJson(Long gsi, String trigger, String polarity, String comment) {}

    record BridgeJson(String at, String device, LayoutJson layout, Long secondaryBus, Long subordinateBus,
                      WindowJson io, WindowJson memory, WindowJson prefetchable, String comment,
                      @JsonProperty("import") ImportJson dump) {}

    record FunctionJson(String at, String device, LayoutJson layout, @JsonProperty("import") ImportJson dump,
                        FirmwareJson firmware, String comment) {}

    /** What firmware left in the function at hand-over (vdm.host.Firmware); absent: nothing. */
    record FirmwareJson(Boolean msixMaskall, Boolean msixEnable, Boolean maskallSurvivesReset, List<PlacedBarJson> bars,
                        Boolean memoryDecoding, String comment) {}

    /** A BAR firmware placed: its index and address. */
    record PlacedBarJson(Long index, @JsonSerialize(using = Hex.class) Long address, String comment) {}

    record LayoutJson(String name, Long header, @JsonSerialize(using = Hex4.class) Long vendor,
                      @JsonSerialize(using = Hex4.class) Long deviceId, @JsonSerialize(using = Hex6.class) Long classCode,
                      Long revision, @JsonSerialize(using = Hex4.class) Long subsystemVendor,
                      @JsonSerialize(using = Hex4.class) Long subsystemId, String interruptPin, List<BarJson> bars,
                      @JsonSerialize(using = Hex.class) Long rom, MsixJson msix) {}

    record BarJson(Long index, String kind, @JsonSerialize(using = Hex.class) Long size, Boolean prefetchable) {}

    record MsixJson(Long vectors, Long tableBar, @JsonSerialize(using = Hex.class) Long tableOffset, Long pbaBar,
                    @JsonSerialize(using = Hex.class) Long pbaOffset) {}

    /**
     * A dump to take the function from: an lspci or sysfs file, or ({@code config}) the bytes inline as hex strings,
     * which is how {@link HostJsonWriter} writes an imported function.
     */
    record ImportJson(String file, String format, String function, String name,
                      @JsonSerialize(contentUsing = Hex.class) Map<String, Long> bars, @JsonSerialize(using = Hex.class) Long rom,
                      List<String> config) {}

    record WindowJson(@JsonSerialize(using = Hex.class) Long base, @JsonSerialize(using = Hex.class) Long limit) {}

    record PrtJson(Long segment, Long bus, Long device, String pin, Long gsi, String link, String comment) {}

    record LinkJson(String name, List<Long> possible, Long current, String trigger, String polarity, String comment) {}

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
                    // as documented and nothing else: ASCII decimal digits (a leading '-'), or 0x and ASCII hex digits;
                    // Long.parseLong alone would take "+16" and non-ASCII digits
                    if (s.matches("0[xX][0-9a-fA-F]{1,16}")) return Long.parseUnsignedLong(s.substring(2), 16);
                    if (!s.matches("-?[0-9]{1,19}")) throw new NumberFormatException();
                    return Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw InvalidFormatException.from(p, "'" + p.getText() + "' is not an integer (decimal or 0x hex)", p.getText(), Long.class);
                }
            }
            throw InvalidFormatException.from(p, "expected an integer (a number or a \"0x..\" string), found " + describe(t), p.getText(), Long.class);
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
    }

    /** The format's version: a JSON integer only (a string "1" is not a version). */
    static final class VersionReader extends StdDeserializer<Long> {
        VersionReader() {
            super(Long.class);
        }

        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) return p.getLongValue();
            throw InvalidFormatException.from(p, "must be a JSON integer (the number " + VERSION + ")", null, Long.class);
        }
    }

    /** Addresses and sizes as the "0x.." strings people write them in (and lspci prints). */
    static class Hex extends StdSerializer<Long> {
        private final String format;

        Hex() {
            this("0x%x");
        }

        Hex(String format) {
            super(Long.class);
            this.format = format;
        }

        @Override
        public void serialize(Long value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(String.format(format, value));
        }
    }

    /** 16-bit IDs with four digits, as lspci -n shows vendor and device IDs. */
    static final class Hex4 extends Hex {
        Hex4() {
            super("0x%04x");
        }
    }

    /** The 24-bit class code with six digits (base class, subclass, programming interface). */
    static final class Hex6 extends Hex {
        Hex6() {
            super("0x%06x");
        }
    }
}
