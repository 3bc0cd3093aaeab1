package vdm.qmp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.WideHost;
import vdm.pci.Sbdf;
import vdm.toolstack.GuestPciBus;

/**
 * Both views of query-pci carry exactly the members of QEMU 7.2's QAPI types (qapi/pci.json): every member a type
 * requires, no member it does not declare, each of its JSON type. Checked on the default host and on the wide one,
 * whose bridges, secondary buses, IO BARs and 64-bit BARs exercise PciBridgeInfo, PciBusInfo and every kind of
 * PciMemoryRegion; and on a guest's bus with a device behind a host bridge passed through.
 */
class QueryPciShapeTest {
    /** A QAPI struct's members: name to JSON type ("int", "str", "bool", or a struct's or array's name); '*' optional. */
    private static final Map<String, Map<String, String>> QAPI = Map.of(
            "PciInfo", Map.of("bus", "int", "devices", "[PciDeviceInfo]"),
            "PciDeviceInfo", Map.of("bus", "int", "slot", "int", "function", "int", "class_info", "PciDeviceClass",
                    "id", "PciDeviceId", "*irq", "int", "irq_pin", "int", "qdev_id", "str", "*pci_bridge", "PciBridgeInfo",
                    "regions", "[PciMemoryRegion]"),
            "PciDeviceClass", Map.of("*desc", "str", "class", "int"),
            "PciDeviceId", Map.of("device", "int", "vendor", "int", "*subsystem", "int", "*subsystem-vendor", "int"),
            "PciBridgeInfo", Map.of("bus", "PciBusInfo", "*devices", "[PciDeviceInfo]"),
            "PciBusInfo", Map.of("number", "int", "secondary", "int", "subordinate", "int", "io_range", "PciMemoryRange",
                    "memory_range", "PciMemoryRange", "prefetchable_range", "PciMemoryRange"),
            "PciMemoryRange", Map.of("base", "int", "limit", "int"),
            "PciMemoryRegion", Map.of("bar", "int", "type", "str", "address", "int", "size", "int", "*prefetch", "bool",
                    "*mem_type_64", "bool"));

    /** Every member path seen, with the types checked ("PciMemoryRegion.mem_type_64", ...), to show what was covered. */
    private final Set<String> seen = new HashSet<>();
    private final List<String> problems = new ArrayList<>();

    private void check(String type, JsonNode value, String where) {
        if (type.startsWith("[")) {
            if (!value.isArray()) { problems.add(where + ": not an array"); return; }
            for (int i = 0; i < value.size(); i++) check(type.substring(1, type.length() - 1), value.get(i), where + "[" + i + "]");
            return;
        }
        switch (type) {
            case "int" -> { if (!value.isIntegralNumber()) problems.add(where + ": not an int: " + value); return; }
            case "str" -> { if (!value.isTextual()) problems.add(where + ": not a str: " + value); return; }
            case "bool" -> { if (!value.isBoolean()) problems.add(where + ": not a bool: " + value); return; }
            default -> { }
        }
        Map<String, String> members = QAPI.get(type);
        if (!value.isObject()) { problems.add(where + ": not an object"); return; }
        for (var it = value.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!members.containsKey(name) && !members.containsKey("*" + name)) problems.add(where + ": " + type + " has no member '" + name + "'");
        }
        for (var m : members.entrySet()) {
            boolean optional = m.getKey().startsWith("*");
            String name = optional ? m.getKey().substring(1) : m.getKey();
            if (!value.has(name)) {
                if (!optional) problems.add(where + ": " + type + " lacks '" + name + "'");
                continue;
            }
            seen.add(type + "." + name);
            check(m.getValue(), value.get(name), where + "." + name);
        }
    }

    private void assertShape(JsonNode answer) {
        check("[PciInfo]", QemuQueryPciDifferentialTest.wire(answer), "return");
        assertEquals("", String.join("\n", problems));
    }

    @Test
    void theDefaultHostsViewHasExactlyQapisMembers() {
        Vdm vdm = Vdm.defaultHost().build();
        assertShape(QueryPci.of(vdm));
        assertTrue(seen.contains("PciDeviceInfo.irq") && seen.contains("PciDeviceId.subsystem"), seen.toString());
    }

    @Test
    void theWideHostsViewWithBridgesIoAnd64BitBarsHasExactlyQapisMembers() {
        Vdm vdm = Vdm.host(WideHost.description()).build();
        JsonNode answer = QueryPci.of(vdm);
        assertShape(answer);
        for (String m : List.of("PciDeviceInfo.pci_bridge", "PciBridgeInfo.devices", "PciBusInfo.io_range", "PciMemoryRegion.prefetch",
                "PciMemoryRegion.mem_type_64")) {
            assertTrue(seen.contains(m), m + " not covered: " + seen);
        }
        String json = answer.toString();
        assertTrue(json.contains("\"type\":\"io\"") && json.contains("\"mem_type_64\":true"), "an IO BAR and a 64-bit BAR: " + json);
        // a bridge has a type 1 header: no subsystem ids (qmp_query_pci_device fills them for type 0 only)
        JsonNode port = device(answer.get(0).get("devices"), WideHost.ROOT_PORT.device(), 0);
        assertTrue(port.has("pci_bridge") && !port.get("id").has("subsystem"), port.toString());
        JsonNode gpu = device(port.get("pci_bridge").get("devices"), 0, 0);
        assertEquals(WideHost.GPU.bus(), gpu.get("bus").asInt());
    }

    @Test
    void aGuestsViewShowsThePassedThroughDeviceAtItsGuestSlotWithItsQdevIdUntilDetached() {
        Vdm vdm = Vdm.host(WideHost.description()).build();
        Sbdf gpu = WideHost.GPU;
        assertEquals(0, vdm.libxl().pciAssignableAdd(gpu));
        int domid = vdm.libxl().domainCreate(1);
        int slot = GuestPciBus.firstFreeSlot(vdm.libxl().devices(domid)).orElseThrow();
        assertEquals(4, slot, "after xen-platform at 03.0");
        assertTrue(vdm.libxl().pciAttach(domid, gpu, slot, "pci-pt-01_00.0").ok());

        JsonNode answer = QueryPci.guest(vdm, domid);
        assertShape(answer);
        JsonNode devices = answer.get(0).get("devices");
        assertEquals(GuestPciBus.XENFV.size() + 1, devices.size());
        JsonNode d = device(devices, slot, 0);
        assertEquals(0, d.get("bus").asInt());
        assertEquals("pci-pt-01_00.0", d.get("qdev_id").asText());
        assertEquals(vdm.host().read(gpu, 0, 2), d.get("id").get("vendor").asInt());
        assertEquals(vdm.host().read(gpu, 2, 2), d.get("id").get("device").asInt());
        assertEquals(vdm.host().read(gpu, 0x0a, 2), d.get("class_info").get("class").asInt());
        // xen_pt registers the host's BARs, same sizes and kinds; the guest has not enabled decoding: address -1
        List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
        var f = vdm.host().require(gpu);
        for (int n = 0; n < f.layout().barCount(); n++) {
            if (f.barImplemented(n)) expected.add(n + ":" + f.barKind(n) + ":" + f.barSize(n) + ":-1");
        }
        for (JsonNode r : d.get("regions")) {
            if (r.get("bar").asInt() == 6) continue;
            String kind = r.get("type").asText().equals("io") ? "IO" : r.get("mem_type_64").asBoolean() ? "MEM64" : "MEM32";
            actual.add(r.get("bar").asInt() + ":" + kind + ":" + r.get("size").asLong() + ":" + r.get("address").asLong());
        }
        assertEquals(expected, actual);
        assertTrue(d.toString().contains("\"mem_type_64\":true") && d.toString().contains("\"type\":\"io\""), d.toString());

        assertTrue(vdm.libxl().pciDetach(domid, gpu).ok());
        JsonNode after = QueryPci.guest(vdm, domid).get(0).get("devices");
        assertEquals(GuestPciBus.XENFV.size(), after.size());
        for (JsonNode e : after) assertTrue(e.get("slot").asInt() != slot, "gone after detach: " + e);
    }

    @Test
    void aGuestRegionHasTheGuestsAddressOnceTheGuestTurnsDecodingOnAndNotAtZero() {
        Vdm vdm = Vdm.host(WideHost.description()).build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(WideHost.GPU));
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(domid, WideHost.GPU, 4, "gpu").ok());
        var pt = vdm.libxl().device(WideHost.GPU);
        pt.guestWrite(0x10, 4, 0xe000_0000);     // BAR0, 32-bit memory
        pt.guestWrite(0x14, 4, 0xd000_0000);     // BAR1, 64-bit prefetchable, below 4 GiB
        pt.guestWrite(0x18, 4, 0);
        pt.guestWrite(0x24, 4, 0xc000);          // BAR5, IO; BAR3 stays at 0
        pt.guestWrite(0x04, 2, 0x3);             // IO and memory decoding on
        List<String> regions = new ArrayList<>();
        for (JsonNode r : device(QueryPci.guest(vdm, domid).get(0).get("devices"), 4, 0).get("regions")) {
            regions.add(r.get("bar").asInt() + "@" + Long.toHexString(r.get("address").asLong()));
        }
        // pci_bar_address: the pc machine maps nothing at 0 (BAR3), and the ROM's enable bit is off
        assertEquals(List.of("0@e0000000", "1@d0000000", "3@ffffffffffffffff", "5@c000", "6@ffffffffffffffff"), regions);
    }

    @Test
    void aGuestsViewHasTheEmulatedFunctionsInDevfnOrderAroundItsDevices() {
        Vdm vdm = Vdm.defaultHost().build();
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC));
        int domid = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(domid, DefaultHost.NIC, 5).ok());
        JsonNode devices = QueryPci.guest(vdm, domid).get(0).get("devices");
        List<String> order = new ArrayList<>();
        for (JsonNode d : devices) order.add(d.get("slot").asInt() + "." + d.get("function").asInt());
        assertEquals(List.of("0.0", "1.0", "1.1", "1.3", "2.0", "3.0", "5.0"), order);
        assertEquals("vdm-" + DefaultHost.NIC, device(devices, 5, 0).get("qdev_id").asText(), "attached without an id");
        assertShape(QueryPci.guest(vdm, domid));
    }

    private static JsonNode device(JsonNode devices, int slot, int function) {
        for (JsonNode d : devices) if (d.get("slot").asInt() == slot && d.get("function").asInt() == function) return d;
        return fail("no device at " + slot + "." + function + " in " + devices);
    }
}
