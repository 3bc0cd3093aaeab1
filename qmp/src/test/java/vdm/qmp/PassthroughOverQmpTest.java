package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import vdm.model.Preset;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;

/** End to end over a real socket: attach a device to a domU, read the guest's view of its BARs, detach, DEVICE_DELETED. */
class PassthroughOverQmpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestServer start(Preset preset) throws IOException {
        CommandRegistry registry = CommandRegistry.withCoreCommands();
        PassthroughCommands.register(registry, new Model(null, preset));
        return TestServer.start(registry, QmpServer.Config.DEFAULTS, false);
    }

    private static JsonNode ask(TestServer.Conn c, String json) throws IOException {
        return JSON.readTree(c.ask(json));
    }

    @Test
    void attachReadGuestBarsDetachAndReceiveDeviceDeleted() throws IOException {
        try (TestServer s = start(Preset.UPSTREAM); TestServer.Conn c = s.negotiated()) {
            assertEquals("{}", ask(c, "{\"execute\": \"x-vdm-assignable-add\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\"}}").get("return").toString());
            assertEquals(1, ask(c, "{\"execute\": \"x-vdm-domain-create\"}").get("return").get("domid").asInt());
            JsonNode add = ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", \"id\": \"nic0\", "
                    + "\"hostaddr\": \"0000:00:03.0\", \"domain\": 1}, \"id\": 7}");
            assertEquals("{\"return\":{},\"id\":7}", add.toString());
            ask(c, "{\"execute\": \"x-vdm-config-write\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\", \"offset\": 16, \"size\": 4, "
                    + "\"value\": 4294967295, \"view\": \"guest\"}}");
            JsonNode sized = ask(c, "{\"execute\": \"x-vdm-config-read\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\", \"offset\": 16, "
                    + "\"size\": 4, \"view\": \"guest\"}}");
            assertEquals(0xfffe0000L, sized.get("return").get("value").asLong(), "the guest sizes BAR0 on QEMU's copy");
            JsonNode hw = ask(c, "{\"execute\": \"x-vdm-config-read\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\", \"offset\": 16, \"size\": 4}}");
            assertTrue(hw.get("return").get("value").asLong() != 0xfffe0000L, "the device's own BAR is untouched");
            JsonNode pci = ask(c, "{\"execute\": \"query-pci\"}").get("return").get(0).get("devices");
            JsonNode nic = null;
            for (JsonNode d : pci) if (d.get("slot").asInt() == 3) nic = d;
            assertEquals("nic0", nic.get("qdev_id").asText());
            assertTrue(!nic.has("x-vdm-owner") && !nic.has("x-vdm-gsi"), "nothing outside QAPI's PciDeviceInfo");
            JsonNode owner = null;
            for (JsonNode o : ask(c, "{\"execute\": \"x-vdm-pci-owners\"}").get("return")) {
                if (o.get("sbdf").asText().equals("0000:00:03.0")) owner = o;
            }
            assertEquals(JSON.readTree("{\"sbdf\":\"0000:00:03.0\",\"owner\":\"d1\",\"gsi\":28}"), owner);
            assertEquals("Ethernet controller", nic.get("class_info").get("desc").asText());

            assertEquals("{\"return\":{}}", ask(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nic0\"}}").toString());
            JsonNode event = JSON.readTree(c.line());
            assertEquals("DEVICE_DELETED", event.get("event").asText());
            assertEquals("nic0", event.get("data").get("device").asText());
            assertEquals("/machine/peripheral/nic0", event.get("data").get("path").asText());
            assertTrue(event.get("timestamp").has("microseconds"));
            JsonNode again = ask(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nic0\"}}");
            assertEquals("DeviceNotFound", again.get("error").get("class").asText());
            assertEquals("Device 'nic0' not found", again.get("error").get("desc").asText());
            JsonNode list = ask(c, "{\"execute\": \"x-vdm-domain-list\"}").get("return");
            assertEquals(0, list.get(1).get("devices").size());
        }
    }

    @Test
    void deviceAddErrorsUseQemusTextsAndDomainErrorsCarryErrnoAndLogText() throws IOException {
        try (TestServer s = start(Preset.BROKEN); TestServer.Conn c = s.negotiated()) {
            assertEquals("Parameter 'driver' is missing",
                    ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"id\": \"x\"}}").get("error").get("desc").asText());
            assertEquals("'e1000x' is not a valid device model name",
                    ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"e1000x\"}}").get("error").get("desc").asText());
            assertEquals("Property 'xen-pci-passthrough.bogus' not found",
                    ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", \"bogus\": 1}}").get("error").get("desc").asText());
            ask(c, "{\"execute\": \"x-vdm-assignable-add\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\"}}");
            ask(c, "{\"execute\": \"x-vdm-domain-create\"}");
            JsonNode r = ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", \"id\": \"n\", "
                    + "\"hostaddr\": \"0000:00:03.0\", \"domain\": 1}}");
            assertEquals("GenericError", r.get("error").get("class").asText());
            assertEquals("xen-pci-passthrough: xc_physdev_map_pirq: -ENOSYS (Domain 1:xc_physdev_map_pirq irq=17 (error=-1): "
                    + "Function not implemented)", r.get("error").get("desc").asText());
            JsonNode hmp = ask(c, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info pci\"}}");
            assertTrue(hmp.get("return").asText().contains("  Bus  0, device   3, function 0:\r\n    Ethernet controller: PCI device 8086:10d3"),
                    hmp.toString());
            JsonNode fixes = ask(c, "{\"execute\": \"x-vdm-preset-set\", \"arguments\": {\"preset\": \"upstream\"}}").get("return");
            assertEquals("privcmd", fixes.get("gsi-lookup").asText());
            JsonNode sc = ask(c, "{\"execute\": \"x-vdm-scenario-run\", \"arguments\": {\"preset\": \"broken\"}}").get("return");
            assertEquals(false, sc.get("passed").asBoolean());
        }
    }

    @Test
    void aSnapshotSavedOverQmpLoadsBackAndABadOneLeavesTheModelAlone() throws IOException {
        try (TestServer s = start(Preset.UPSTREAM); TestServer.Conn c = s.negotiated()) {
            ask(c, "{\"execute\": \"x-vdm-assignable-add\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\"}}");
            ask(c, "{\"execute\": \"x-vdm-domain-create\"}");
            ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", \"id\": \"n\", "
                    + "\"hostaddr\": \"0000:00:03.0\", \"domain\": 1}}");
            JsonNode snap = ask(c, "{\"execute\": \"x-vdm-snapshot-save\"}").get("return").get("snapshot");
            assertEquals("vdm-snapshot", snap.get("format").asText());
            ask(c, "{\"execute\": \"x-vdm-domain-destroy\", \"arguments\": {\"domid\": 1}}");
            assertEquals(1, ask(c, "{\"execute\": \"x-vdm-domain-list\"}").get("return").size());
            JsonNode bad = ask(c, "{\"execute\": \"x-vdm-snapshot-load\", \"arguments\": {\"snapshot\": {\"format\": \"vdm-snapshot\", \"version\": 9}}}");
            assertTrue(bad.get("error").get("desc").asText().contains("snapshot version 9 is newer than this vdm reads (1)"), bad.toString());
            assertEquals(1, ask(c, "{\"execute\": \"x-vdm-domain-list\"}").get("return").size(), "the refused load changed nothing");
            assertEquals("{}", ask(c, "{\"execute\": \"x-vdm-snapshot-load\", \"arguments\": {\"snapshot\": " + snap + "}}").get("return").toString());
            JsonNode list = ask(c, "{\"execute\": \"x-vdm-domain-list\"}").get("return");
            assertEquals(2, list.size());
            assertEquals("0000:00:03.0", list.get(1).get("devices").get(0).asText());
        }
    }

    @Test
    void aDeviceIdSurvivesASnapshotLoadSoDeviceDelFindsIt() throws IOException {
        try (TestServer s = start(Preset.UPSTREAM); TestServer.Conn c = s.negotiated()) {
            ask(c, "{\"execute\": \"x-vdm-assignable-add\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\"}}");
            ask(c, "{\"execute\": \"x-vdm-domain-create\"}");
            assertEquals("{\"return\":{}}", ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
                    + "\"id\": \"nic0\", \"hostaddr\": \"0000:00:03.0\", \"domain\": 1}}").toString());
            JsonNode snap = ask(c, "{\"execute\": \"x-vdm-snapshot-save\"}").get("return").get("snapshot");
            ask(c, "{\"execute\": \"x-vdm-preset-set\", \"arguments\": {\"preset\": \"upstream\"}}"); // a fresh model: no nic0
            assertEquals("DeviceNotFound", ask(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nic0\"}}")
                    .get("error").get("class").asText());
            assertEquals("{}", ask(c, "{\"execute\": \"x-vdm-snapshot-load\", \"arguments\": {\"snapshot\": " + snap + "}}").get("return").toString());

            assertEquals("{\"return\":{}}", ask(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nic0\"}}").toString());
            JsonNode event = JSON.readTree(c.line());
            assertEquals("DEVICE_DELETED", event.get("event").asText());
            assertEquals("nic0", event.get("data").get("device").asText());
            assertEquals("/machine/peripheral/nic0", event.get("data").get("path").asText());
            assertEquals(0, ask(c, "{\"execute\": \"x-vdm-domain-list\"}").get("return").get(1).get("devices").size(), "detached");
        }
    }

    @Test
    void aDeviceFromASnapshotWithoutIdsIsNamedByItsAddress() throws IOException {
        try (TestServer s = start(Preset.UPSTREAM); TestServer.Conn c = s.negotiated()) {
            ask(c, "{\"execute\": \"x-vdm-assignable-add\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\"}}");
            ask(c, "{\"execute\": \"x-vdm-domain-create\"}");
            ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", \"id\": \"nic0\", "
                    + "\"hostaddr\": \"0000:00:03.0\", \"domain\": 1}}");
            com.fasterxml.jackson.databind.node.ObjectNode snap = (com.fasterxml.jackson.databind.node.ObjectNode)
                    ask(c, "{\"execute\": \"x-vdm-snapshot-save\"}").get("return").get("snapshot");
            ((com.fasterxml.jackson.databind.node.ObjectNode) snap.get("toolstack").get("attached").get(0)).remove("qdevId");
            assertEquals("{}", ask(c, "{\"execute\": \"x-vdm-snapshot-load\", \"arguments\": {\"snapshot\": " + snap + "}}").get("return").toString());
            JsonNode nic = null;
            for (JsonNode d : ask(c, "{\"execute\": \"query-pci\"}").get("return").get(0).get("devices")) if (d.get("slot").asInt() == 3) nic = d;
            assertEquals("vdm-0000:00:03.0", nic.get("qdev_id").asText(), "an older document has no ids");
            assertEquals("{\"return\":{}}", ask(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"vdm-0000:00:03.0\"}}").toString());
            assertEquals("vdm-0000:00:03.0", JSON.readTree(c.line()).get("data").get("device").asText());
        }
    }

    @Test
    void scenarioRunWithoutAHostaddrRunsOnTheHostsFirstAssignableEndpointAndSaysWhy() throws IOException {
        java.nio.file.Path wide = null;
        for (java.nio.file.Path p = java.nio.file.Path.of("").toAbsolutePath(); p != null && wide == null; p = p.getParent()) {
            if (java.nio.file.Files.exists(p.resolve("docs/examples/wide-host.json"))) wide = p.resolve("docs/examples/wide-host.json");
        }
        for (java.nio.file.Path host : new java.nio.file.Path[] {null, wide}) {
            CommandRegistry registry = CommandRegistry.withCoreCommands();
            PassthroughCommands.register(registry, new Model(host, Preset.UPSTREAM));
            try (TestServer s = TestServer.start(registry, QmpServer.Config.DEFAULTS, false); TestServer.Conn c = s.negotiated()) {
                JsonNode r = ask(c, "{\"execute\": \"x-vdm-scenario-run\"}").get("return");
                // Both hosts have their first endpoint at 00:02.0: the built-in host's gpu, WideHost's e1000e.
                String name = host == null ? "gpu" : "e1000e";
                assertEquals("0000:00:02.0", r.get("device").asText(), r.toString());
                assertEquals(name, r.get("x-vdm-device-choice").get("name").asText(), r.toString());
                assertTrue(r.get("x-vdm-device-choice").get("reason").asText().startsWith("the host's first assignable endpoint"), r.toString());
                assertTrue(r.get("passed").asBoolean(), r.toString());
                JsonNode named = ask(c, "{\"execute\": \"x-vdm-scenario-run\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\"}}").get("return");
                assertEquals("named on the command", named.get("x-vdm-device-choice").get("reason").asText(), named.toString());
            }
        }
    }
}
