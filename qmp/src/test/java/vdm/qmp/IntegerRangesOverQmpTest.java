package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.model.Preset;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;

/**
 * Every integer argument of every command has a range, and a value outside it is refused before the command runs:
 * never truncated to a value inside (4294967297 is not domain 1, 1.5 is not 1, 511 is not 0xff). Refusals use QEMU's
 * texts for its sized integers (qapi/qapi-visit-core.c visit_type_uintN / visit_type_intN: "Parameter '%s' expects
 * %s" with the C type; qobject_input_type_int64: "Invalid parameter type for '%s', expected: integer";
 * qobject_input_type_uint64: "Parameter '%s' expects uint64"), and the model is as it was.
 */
class IntegerRangesOverQmpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    /** Far outside any range the commands state: past 32 bits, int64's top, a negative, a fraction, past 64 bits. */
    private static final List<String> FAR = List.of("4294967297", Long.toString(Long.MAX_VALUE), "-1", "1.5",
            TWO_64.toString(), TWO_64.negate().toString());

    private static CommandRegistry registry;
    private static TestServer server;
    private static TestServer.Conn conn;

    @BeforeAll
    static void start() throws IOException {
        registry = registry();
        server = TestServer.start(registry, QmpServer.Config.DEFAULTS, false);
        conn = server.negotiated();
        ok("x-vdm-assignable-add", "{\"hostaddr\": \"0000:00:03.0\"}");
        ok("x-vdm-domain-create", "{}");
        ok("device_add", "{\"driver\": \"xen-pci-passthrough\", \"id\": \"nic0\", \"hostaddr\": \"0000:00:03.0\", \"domain\": 1}");
    }

    @AfterAll
    static void stop() throws IOException {
        conn.close();
        server.close();
    }

    private static CommandRegistry registry() {
        CommandRegistry r = CommandRegistry.withCoreCommands();
        PassthroughCommands.register(r, new Model(null, Preset.UPSTREAM));
        return r;
    }

    private static JsonNode ask(String command, String arguments) throws IOException {
        return JSON.readTree(conn.ask("{\"execute\": \"" + command + "\", \"arguments\": " + arguments + "}"));
    }

    private static void ok(String command, String arguments) throws IOException {
        JsonNode r = ask(command, arguments);
        if (!r.has("return")) throw new AssertionError(command + ": " + r);
    }

    /** The whole model as the snapshot holds it, and the domains with their devices and eject policies. */
    private static String state() throws IOException {
        return ask("x-vdm-snapshot-save", "{}").get("return").toString() + ask("x-vdm-domain-list", "{}").get("return");
    }

    private static String refusal(String command, String arguments) throws IOException {
        String before = state();
        JsonNode r = ask(command, arguments);
        assertTrue(r.has("error"), command + " " + arguments + " was taken: " + r);
        assertEquals("GenericError", r.get("error").get("class").asText());
        assertEquals(before, state(), command + " " + arguments + " changed the model");
        return r.get("error").get("desc").asText();
    }

    /** (command, argument, value, its type) for every integer argument the registry declares. */
    static Stream<Arguments> integerArguments() {
        List<Arguments> cases = new ArrayList<>();
        for (QmpCommand c : registry().all()) {
            for (Arg a : c.arguments().args()) {
                for (String bad : outside(a.type())) cases.add(Arguments.of(c.name(), a.name(), bad));
            }
        }
        if (cases.size() < 40) throw new AssertionError("too few integer arguments found: " + cases.size());
        return cases.stream();
    }

    private static Set<String> outside(ArgType t) {
        Set<String> out = new LinkedHashSet<>();
        if (t instanceof ArgType.IntRange r) {
            if (r.min() > Long.MIN_VALUE) out.add(Long.toString(r.min() - 1));
            if (r.max() < Long.MAX_VALUE) out.add(Long.toString(r.max() + 1));
            for (long v = r.min(); v < r.max() && !r.only().isEmpty(); v++) {
                if (!r.only().contains(v)) { out.add(Long.toString(v)); break; }
            }
            for (String v : FAR) {
                if (v.contains(".")) { out.add(v); continue; }
                BigInteger b = new BigInteger(v);
                if (b.compareTo(BigInteger.valueOf(r.min())) < 0 || b.compareTo(BigInteger.valueOf(r.max())) > 0) out.add(v);
            }
        } else if (t == ArgType.INTEGER || t == ArgType.UINT64) {
            out.addAll(List.of("1.5", TWO_64.toString(), TWO_64.negate().toString()));
        }
        return out;
    }

    /** Valid-typed values for the other required arguments, so the argument under test is the only thing wrong. */
    private static ObjectNode call(QmpCommand c, String name, String bad) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        for (Arg a : c.arguments().args()) {
            if (a.name().equals(name)) o.set(name, JSON.readTree(bad));
            else if (a.required()) o.set(a.name(), placeholder(a.type()));
        }
        return o;
    }

    private static JsonNode placeholder(ArgType t) {
        return switch (t) {
            case ArgType.IntRange r -> JSON.getNodeFactory().numberNode(r.only().isEmpty() ? r.min() : r.only().getFirst());
            case ArgType.OneOf e -> JSON.getNodeFactory().textNode(e.values().getFirst());
            case ArgType.Scalar s when s == ArgType.BOOLEAN -> JSON.getNodeFactory().booleanNode(false);
            case ArgType.Scalar s when s == ArgType.STRING -> JSON.getNodeFactory().textNode("0000:00:03.0");
            case ArgType.Scalar s when s == ArgType.INTEGER || s == ArgType.UINT64 -> JSON.getNodeFactory().numberNode(0);
            default -> JSON.createObjectNode();
        };
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("integerArguments")
    void aValueOutsideTheRangeIsRefusedNamingTheArgumentAndChangesNothing(String command, String name, String bad) throws IOException {
        QmpCommand c = registry.find(command);
        ArgType t = c.arguments().args().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow().type();
        String desc = refusal(command, call(c, name, bad).toString());
        boolean unsigned = t == ArgType.UINT64 || t instanceof ArgType.IntRange r && r.cType() != null && r.cType().startsWith("u");
        boolean fraction = bad.contains(".");
        boolean beyond64 = new java.math.BigDecimal(bad).toBigInteger().bitLength() > 63 && !fraction;
        if (unsigned && (fraction || beyond64 && !(new BigInteger(bad).signum() > 0 && new BigInteger(bad).bitLength() <= 64))) {
            assertEquals("Parameter '" + name + "' expects uint64", desc); // qobject_input_type_uint64
        } else if (!unsigned && (fraction || beyond64)) {
            assertEquals("Invalid parameter type for '" + name + "', expected: integer", desc); // qobject_input_type_int64
        } else if (t instanceof ArgType.IntRange r && r.cType() != null) {
            assertEquals("Parameter '" + name + "' expects " + r.cType(), desc); // visit_type_uintN / intN
        } else {
            ArgType.IntRange r = (ArgType.IntRange) t;
            assertTrue(desc.startsWith("Parameter '" + name + "' expects "), desc);
            assertTrue(desc.contains(Long.toString(r.min())) && desc.contains(Long.toString(r.max())), "the range is named: " + desc);
            assertTrue(desc.endsWith("not " + bad), "the value is named untruncated: " + desc);
        }
    }

    @Test
    void aDomidPastThirtyTwoBitsIsNotDomainOne() throws IOException {
        assertEquals("Parameter 'domid' expects a value from 0 to 32751, not 4294967297",
                refusal("x-vdm-domain-destroy", "{\"domid\": 4294967297}"));
        assertTrue(ask("x-vdm-domain-list", "{}").get("return").toString().contains("\"domid\":1"), "domain 1 lives");
    }

    @Test
    void aConfigValueWiderThanTheAccessIsRefusedNotMasked() throws IOException {
        assertEquals("Parameter 'value' 0x1ff does not fit in 1 byte",
                refusal("x-vdm-config-write", "{\"hostaddr\": \"0000:00:03.0\", \"offset\": 60, \"size\": 1, \"value\": 511}"));
        assertEquals("Parameter 'value' 0x10000 does not fit in 2 bytes",
                refusal("x-vdm-config-write", "{\"hostaddr\": \"0000:00:03.0\", \"offset\": 60, \"size\": 2, \"value\": 65536}"));
        assertEquals("Parameter 'value' expects uint32_t",
                refusal("x-vdm-config-write", "{\"hostaddr\": \"0000:00:03.0\", \"offset\": 60, \"size\": 4, \"value\": 4294967296}"));
        ok("x-vdm-config-write", "{\"hostaddr\": \"0000:00:03.0\", \"offset\": 60, \"size\": 4, \"value\": 4294967295}");
    }

    @Test
    void anIoApicValuePastThirtyTwoBitsIsRefused() throws IOException {
        assertEquals("Parameter 'value' expects uint32_t",
                refusal("x-vdm-ioapic-write", "{\"ioapic\": 0, \"register\": 16, \"value\": 4294967301}"));
    }

    @Test
    void anOffsetIsReportedAsGiven() throws IOException {
        assertEquals("Parameter 'offset' expects a value from 0 to 4095, not 4294967312",
                refusal("x-vdm-config-read", "{\"hostaddr\": \"0000:00:03.0\", \"offset\": 4294967312, \"size\": 4}"));
    }

    @Test
    void deviceAddsDomainIsAnIntegerInRange() throws IOException {
        String add = "{\"driver\": \"xen-pci-passthrough\", \"hostaddr\": \"0000:00:03.0\", \"domain\": ";
        // checked before the device is looked at (0000:00:03.0 is attached already: attaching it again would fail later)
        // device_add's properties are not introspected, but domain is typed as a declared int would be
        assertEquals("Invalid parameter type for 'domain', expected: integer", refusal("device_add", add + "1.5}"));
        assertEquals("Invalid parameter type for 'domain', expected: integer", refusal("device_add", add + "\"1\"}"));
        assertEquals("Parameter 'domain' expects a value from 0 to 32751, not 4294967297", refusal("device_add", add + "4294967297}"));
        assertEquals("Parameter 'domain' expects a value from 0 to 32751, not -1", refusal("device_add", add + "-1}"));
    }

    /** set_pci_host_devaddr's refusal (hw/core/qdev-properties-system.c); vdm takes libxl's exact SSSS:BB:DD.F only. */
    @ParameterizedTest
    @ValueSource(strings = {" 0000:00:04.0", "0000:00:04.0 ", "0000: 00:04.0", "00:04.0", "0000:00:20.0", "0000:00:04.8",
            "10000:00:04.0", "0000:100:04.0", "0000:00:04.0.0", "0x000:00:04.0", ""})
    void deviceAddsHostaddrIsParsedStrictly(String hostaddr) throws IOException {
        String desc = refusal("device_add", "{\"driver\": \"xen-pci-passthrough\", \"hostaddr\": \"" + hostaddr + "\", \"domain\": 1}");
        assertEquals("Property 'xen-pci-passthrough.hostaddr' doesn't take value '" + hostaddr + "'", desc);
    }

    @Test
    void anXvdmAddressWithWhiteSpaceIsRefused() throws IOException {
        String desc = refusal("x-vdm-query-msi", "{\"hostaddr\": \"0000:00:03.0 \"}");
        assertTrue(desc.startsWith("Parameter 'hostaddr' expects a PCI address"), desc);
    }

    @Test
    void introspectionStillShowsRangedIntegersAsInt() throws IOException {
        JsonNode schema = ask("query-qmp-schema", "{}").get("return");
        String argType = null;
        for (JsonNode e : schema) {
            if (e.get("name").asText().equals("x-vdm-domain-destroy")) argType = e.get("arg-type").asText();
        }
        for (JsonNode e : schema) {
            if (e.get("name").asText().equals(argType)) {
                assertEquals("int", e.get("members").get(0).get("type").asText());
                return;
            }
        }
        throw new AssertionError("x-vdm-domain-destroy's arguments are not in the schema");
    }

    @Test
    void valuesAtTheEdgesOfTheirRangesAreTaken() throws IOException {
        ok("x-vdm-ioapic-read", "{\"ioapic\": 0, \"register\": 255}");
        ok("x-vdm-eoi", "{\"vector\": 255}");
        ok("x-vdm-config-read", "{\"hostaddr\": \"0000:00:03.0\", \"offset\": 4092, \"size\": 4}");
        ok("x-vdm-mmio-read", "{\"view\": \"dom0\", \"address\": 18446744073709551608, \"size\": 8}");
        assertFalse(ask("x-vdm-domain-create", "{\"vcpus\": 128}").has("error"));
    }
}
