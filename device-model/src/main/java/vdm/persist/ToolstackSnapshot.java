package vdm.persist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import vdm.dom0.SysfsDevice;
import vdm.pci.Sbdf;
import vdm.toolstack.BarMapping;
import vdm.toolstack.GuestMsiState;
import vdm.toolstack.GuestMsixState;
import vdm.toolstack.IoBarMapping;
import vdm.toolstack.ToolstackState;

/** The toolstack's part of a snapshot document: {@link ToolstackState} as JSON and back. */
final class ToolstackSnapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ToolstackSnapshot() {}

    static ObjectNode toJson(ToolstackState s) {
        ObjectNode o = JSON.objectNode();
        ArrayNode devs = o.putArray("attached");
        for (ToolstackState.Attached p : s.attached()) {
            ObjectNode d = devs.addObject().put("host", p.host().toString()).put("domid", p.domid())
                    .put("slot", p.slot()).put("config", HexFormat.of().formatHex(p.config()))
                    .put("guestRom", p.guestRom()).put("machineIrq", p.machineIrq()).put("bound", p.bound());
            ArrayNode res = d.putArray("resources");
            for (SysfsDevice.Resource r : p.resources()) res.add(JSON.arrayNode().add(r.start()).add(r.end()).add(r.flags()));
            ArrayNode bars = d.putArray("guestBars");
            for (long b : p.guestBars()) bars.add(b);
            ObjectNode maps = d.putObject("mappings");
            for (BarMapping m : p.mappings()) maps.set(Integer.toString(m.bar()), JSON.arrayNode().add(m.gfn()).add(m.mfn()).add(m.frames()));
            ObjectNode ioMaps = d.putObject("ioMappings");
            for (IoBarMapping m : p.ioMappings()) ioMaps.set(Integer.toString(m.bar()), JSON.arrayNode().add(m.gport()).add(m.mport()).add(m.ports()));
            if (p.qdevId() != null) d.put("qdevId", p.qdevId());
            // QEMU's emulated MSI and MSI-X (XenPTMSI, XenPTMSIX), member by member; absent where the device has none.
            if (p.msi() != null) d.set("msi", RecordJson.toJson(p.msi()));
            if (p.msix() != null) d.set("msix", RecordJson.toJson(p.msix()));
        }
        ObjectNode routed = o.putObject("routed");
        for (ToolstackState.Routed r : s.routed()) routed.set(r.sbdf().toString(), JSON.arrayNode().add(r.pirq()).add(r.gsi()).add(r.viaGsi() ? 1 : 0));
        return o;
    }

    /** The state a document describes; a malformed one fails with an exception. */
    static ToolstackState fromJson(JsonNode o) {
        List<ToolstackState.Attached> devices = new ArrayList<>();
        for (JsonNode d : o.get("attached")) {
            List<SysfsDevice.Resource> res = new ArrayList<>();
            for (JsonNode r : d.get("resources")) res.add(new SysfsDevice.Resource(r.get(0).asLong(), r.get(1).asLong(), r.get(2).asLong()));
            long[] bars = new long[d.get("guestBars").size()];
            for (int i = 0; i < bars.length; i++) bars[i] = d.get("guestBars").get(i).asLong();
            List<BarMapping> maps = new ArrayList<>();
            d.get("mappings").fields().forEachRemaining(e -> maps.add(new BarMapping(Integer.parseInt(e.getKey()),
                    e.getValue().get(0).asLong(), e.getValue().get(1).asLong(), e.getValue().get(2).asLong())));
            maps.sort((a, b) -> Integer.compare(a.bar(), b.bar()));
            // Optional: documents from before guest IO BARs were mapped have none.
            List<IoBarMapping> ioMaps = new ArrayList<>();
            if (d.has("ioMappings")) {
                d.get("ioMappings").fields().forEachRemaining(e -> ioMaps.add(new IoBarMapping(Integer.parseInt(e.getKey()),
                        e.getValue().get(0).asInt(), e.getValue().get(1).asInt(), e.getValue().get(2).asInt())));
            }
            ioMaps.sort((a, b) -> Integer.compare(a.bar(), b.bar()));
            devices.add(new ToolstackState.Attached(Sbdf.parse(d.get("host").asText()), d.get("domid").asInt(), d.get("slot").asInt(),
                    HexFormat.of().parseHex(d.get("config").asText()), d.get("guestRom").asInt(), d.get("machineIrq").asInt(),
                    d.get("bound").asBoolean(), res.toArray(SysfsDevice.Resource[]::new), bars, maps.toArray(BarMapping[]::new), qdevId(d),
                    ioMaps.toArray(IoBarMapping[]::new),
                    d.has("msi") ? RecordJson.fromJson(d.get("msi"), GuestMsiState.class, "attached " + d.get("host").asText() + " msi") : null,
                    d.has("msix") ? RecordJson.fromJson(d.get("msix"), GuestMsixState.class, "attached " + d.get("host").asText() + " msix") : null));
        }
        devices.sort((a, b) -> a.host().compareTo(b.host()));
        List<ToolstackState.Routed> routes = new ArrayList<>();
        o.get("routed").fields().forEachRemaining(e -> routes.add(new ToolstackState.Routed(Sbdf.parse(e.getKey()),
                e.getValue().get(0).asInt(), e.getValue().get(1).asInt(), e.getValue().get(2).asInt() == 1)));
        routes.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        return new ToolstackState(devices.toArray(ToolstackState.Attached[]::new), routes.toArray(ToolstackState.Routed[]::new));
    }

    /** Optional: documents written before devices kept their qdev id have none, and a device without one neither. */
    private static String qdevId(JsonNode d) {
        JsonNode id = d.get("qdevId");
        if (id == null || id.isNull()) return null;
        if (!id.isTextual()) throw new IllegalArgumentException("attached device " + d.get("host").asText() + ": qdevId must be a string");
        return id.textValue();
    }
}
