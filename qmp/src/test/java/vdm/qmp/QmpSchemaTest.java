package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import vdm.model.Preset;
import vdm.qmp.model.LibxlSockets;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;

/**
 * query-qmp-schema of the registry {@code vdm serve} answers (core commands and the passthrough commands, as
 * ServeCommand.commands builds it): well formed by qapi/introspect.json's rules, and true to what the server accepts
 * and answers, found by calling every command with arguments built from the schema alone.
 */
class QmpSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The builtins as QEMU 7.2 lists them (its query-qmp-schema): name and json-type. */
    private static final Map<String, String> QEMU_BUILTINS = Map.of("str", "string", "int", "int", "bool", "boolean",
            "number", "number", "null", "null", "any", "value");
    /** Refusals of the arguments' shape (qobject-input-visitor's texts), which schema-built arguments must never get. */
    private static final Pattern ARGUMENT_ERROR = Pattern.compile(
            "Parameter '[^']*' is (missing|unexpected)|Invalid parameter type|expects uint64|does not accept value");

    private static CommandRegistry served() {
        CommandRegistry registry = CommandRegistry.withCoreCommands();
        PassthroughCommands.register(registry, new Model(null, Preset.UPSTREAM));
        return registry;
    }

    @Test
    void theSchemaIsWellFormedAndNamesEveryTypeOnce() {
        CommandRegistry registry = served();
        JsonNode schema = registry.qapiSchema();
        SchemaJson s = new SchemaJson(schema);
        assertEquals(List.of(), s.duplicates, "names are unique");
        Set<String> commands = new LinkedHashSet<>();
        for (QmpCommand c : registry.all()) commands.add(c.name());
        List<String> problems = new ArrayList<>();
        List<String> firstUse = new ArrayList<>();
        for (JsonNode e : schema) {
            String name = e.get("name").asText(), meta = e.get("meta-type").asText();
            for (String ref : SchemaJson.references(e)) {
                if (!s.byName.containsKey(ref)) problems.add(name + " refers to undefined " + ref);
                String bare = ref.replaceAll("[\\[\\]]", "");
                if (bare.matches("\\d+") && !firstUse.contains(bare)) firstUse.add(bare);
            }
            switch (meta) {
                case "command" -> {
                    if (!commands.remove(name)) problems.add("command " + name + " is not registered (or listed twice)");
                    if (!s.entry(e.get("arg-type").asText()).get("meta-type").asText().equals("object")) {
                        problems.add(name + "'s arg-type is not an object");
                    }
                    boolean unstable = e.has("features") && e.get("features").toString().contains("\"unstable\"");
                    if (unstable != name.startsWith("x-")) problems.add(name + " unstable=" + unstable);
                }
                case "builtin" -> {
                    if (!e.get("json-type").asText().equals(QEMU_BUILTINS.get(name))) problems.add("builtin " + e);
                }
                case "enum", "object" -> {
                    if (!name.matches("\\d+")) problems.add(meta + " " + name + " is not masked");
                }
                case "array" -> {
                    if (!name.equals("[" + e.get("element-type").asText() + "]")) problems.add("array " + e);
                }
                case "event" -> {
                    if (!s.entry(e.get("arg-type").asText()).get("meta-type").asText().equals("object")) problems.add(name + " data");
                }
                default -> problems.add("meta-type of " + e);
            }
        }
        assertEquals(List.of(), problems);
        assertEquals(Set.of(), commands, "every registered command is in the schema");
        List<String> inOrder = new ArrayList<>();
        for (int i = 0; i < firstUse.size(); i++) inOrder.add(Integer.toString(i));
        assertEquals(inOrder, firstUse, "masked names are numbers in order of first use");
        String empty = s.entry("qmp_capabilities").get("ret-type").asText();
        assertEquals("{\"name\":\"" + empty + "\",\"meta-type\":\"object\",\"members\":[]}", s.entry(empty).toString(),
                "a command without return returns q_empty");
        assertEquals(empty, s.entry("query-version").get("arg-type").asText(), "and one without arguments takes it");
        assertEquals("{\"name\":\"DEVICE_DELETED\",\"meta-type\":\"event\",\"arg-type\":\"" + s.entry("DEVICE_DELETED").get("arg-type").asText() + "\"}",
                s.entry("DEVICE_DELETED").toString());
        assertTrue(s.byName.containsKey("SHUTDOWN"));
        System.out.println("query-qmp-schema of the served registry: " + schema.size() + " entries, "
                + schema.toString().length() + " bytes compact");
    }

    @Test
    void theSchemaIsBuiltOncePerRegistryStateAndRebuiltWhenACommandIsAdded() {
        CommandRegistry registry = CommandRegistry.withCoreCommands();
        JsonNode first = registry.qapiSchema();
        assertSame(first, registry.qapiSchema());
        registry.register(QmpCommand.of("x-vdm-late", "added while serving", ArgumentSchema.NONE, Execution.INLINE, call -> null));
        JsonNode second = registry.qapiSchema();
        assertNotSame(first, second);
        assertTrue(new SchemaJson(second).byName.containsKey("x-vdm-late"));
        assertTrue(!new SchemaJson(first).byName.containsKey("x-vdm-late"));
    }

    @Test
    void aTypeNameGivenTwoDefinitionsIsRefused() {
        CommandRegistry registry = new CommandRegistry();
        registry.register(QmpCommand.of("x-a", "", ArgumentSchema.NONE, Execution.INLINE, call -> null)
                .returning(ObjectType.of("T", Arg.member("a", ArgType.STRING))));
        registry.register(QmpCommand.of("x-b", "", ArgumentSchema.NONE, Execution.INLINE, call -> null)
                .returning(ObjectType.of("T", Arg.member("a", ArgType.INTEGER))));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, registry::qapiSchema);
        assertTrue(e.getMessage().contains("'T'"), e.getMessage());
    }

    @Test
    void everyCommandAcceptsArgumentsBuiltFromTheSchemaRefusesAnUndeclaredOneAndAnswersItsReturnType() throws IOException {
        CommandRegistry registry = served();
        try (TestServer server = TestServer.start(registry, QmpServer.Config.DEFAULTS, false);
             TestServer.Conn c = server.negotiated()) {
            SchemaJson s = new SchemaJson(JSON.readTree(ask(c, "{\"execute\":\"query-qmp-schema\"}")).get("return"));
            List<String> problems = new ArrayList<>();
            // a guest with a device, so that query-pci shows a passed-through function too
            ask(c, "{\"execute\":\"x-vdm-assignable-add\",\"arguments\":{\"hostaddr\":\"0000:00:03.0\"}}");
            ask(c, "{\"execute\":\"x-vdm-domain-create\"}");
            ask(c, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"xen-pci-passthrough\",\"id\":\"nic0\","
                    + "\"hostaddr\":\"0000:00:03.0\",\"domain\":1}}");
            int answered = walk(c, s, registry, problems);
            assertEquals(List.of(), problems);
            assertTrue(answered > 10, "most commands answered: " + answered);
        }
    }


    @Test
    void aGuestsSocketServesItsOwnSchemaOfQemuCommandsOnlyAndKeepsToIt() throws IOException {
        Path dir = Files.createTempDirectory("vdm-schema-guest");
        Model model = new Model(null, Preset.UPSTREAM);
        CommandRegistry main = CommandRegistry.withCoreCommands();
        PassthroughCommands.register(main, model);
        try (QmpServer server = QmpServer.start(main, QmpServer.Config.DEFAULTS, List.of(new Endpoint.Unix(dir.resolve("main.sock"))));
             LibxlSockets sockets = LibxlSockets.open(server, model, dir);
             TestServer.Conn m = TestServer.Conn.open(new Endpoint.Unix(dir.resolve("main.sock")))) {
            m.negotiate();
            ask(m, "{\"execute\":\"x-vdm-assignable-add\",\"arguments\":{\"hostaddr\":\"0000:00:03.0\"}}");
            int domid = JSON.readTree(ask(m, "{\"execute\":\"x-vdm-domain-create\"}")).get("return").get("domid").intValue();
            try (TestServer.Conn c = TestServer.Conn.open(new Endpoint.Unix(sockets.path(domid)))) {
                c.negotiate();
                ask(c, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"xen-pci-passthrough\",\"id\":\"pci-pt-00_03.0\","
                        + "\"hostaddr\":\"0000:00:03.0\",\"addr\":\"5.0\"}}");
                SchemaJson s = new SchemaJson(JSON.readTree(ask(c, "{\"execute\":\"query-qmp-schema\"}")).get("return"));
                List<String> names = new ArrayList<>();
                for (JsonNode e : s.byName.values()) if (e.get("meta-type").asText().equals("command")) names.add(e.get("name").asText());
                assertEquals(List.of("qmp_capabilities", "query-version", "query-commands", "query-status", "query-target",
                        "query-qmp-schema", "device_add", "device_del", "query-pci"), names, "QEMU's commands, no quit, no x-vdm-");
                List<String> problems = new ArrayList<>();
                int answered = walk(c, s, sockets.listener(domid).orElseThrow().commands(), problems);
                assertEquals(List.of(), problems);
                assertTrue(answered >= 6, "answered: " + answered);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Calls every command of {@code s} on {@code c}: with one undeclared member (refused unless the schema is open),
     * then with arguments built from the schema (no argument error), checking a declared reply against its type.
     * {@code quit} goes last; qmp_capabilities just before it. Returns how many commands answered.
     */
    private static int walk(TestServer.Conn c, SchemaJson s, CommandRegistry registry, List<String> problems) throws IOException {
        Map<String, JsonNode> commands = new LinkedHashMap<>();
        for (JsonNode e : s.byName.values()) if (e.get("meta-type").asText().equals("command")) commands.put(e.get("name").asText(), e);
        JsonNode quit = commands.remove("quit");
        commands.remove("qmp_capabilities"); // negotiated already: a second one is CommandNotFound; called below
        commands.put("qmp_capabilities", s.entry("qmp_capabilities"));
        if (quit != null) commands.put("quit", quit); // a guest's socket has none
    int answered = 0;
        for (JsonNode cmd : commands.values()) {
            String name = cmd.get("name").asText();
            ObjectNode args = (ObjectNode) s.sample(cmd.get("arg-type").asText());
            if (!name.equals("quit")) {
                ObjectNode extra = args.deepCopy().put("x-undeclared", 1);
                JsonNode r = JSON.readTree(ask(c, request(name, extra)));
                String desc = r.path("error").path("desc").asText();
                boolean open = registry.find(name).arguments().open();
                if (!open && !desc.equals("Parameter 'x-undeclared' is unexpected")) problems.add(name + " took an undeclared member: " + r);
            }
            JsonNode r = JSON.readTree(ask(c, request(name, args)));
            String desc = r.path("error").path("desc").asText();
            if (ARGUMENT_ERROR.matcher(desc).find()) problems.add(name + " " + args + ": " + desc);
            if (r.has("return")) {
                answered++;
                if (registry.find(name).returns() != ArgType.ANY) {
                    s.conform(r.get("return"), cmd.get("ret-type").asText(), name, problems);
                }
            }
        }
        return answered;
    }

    private static String request(String name, ObjectNode args) {
        ObjectNode r = JSON.createObjectNode().put("execute", name);
        r.set("arguments", args);
        return r.toString();
    }

    /** The reply to a request: events in between are skipped. */
    private static String ask(TestServer.Conn c, String json) throws IOException {
        String line = c.ask(json);
        while (line.startsWith("{\"event\"") || line.contains("\"event\":")) {
            if (!line.contains("\"return\"") && !line.contains("\"error\"")) line = c.line();
            else break;
        }
        return line;
    }
}
