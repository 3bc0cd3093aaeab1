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
        JsonNode attached = Strict.array(o, "attached", "toolstack.attached");
        for (int k = 0; k < attached.size(); k++) devices.add(attached(Strict.object(attached.get(k), "toolstack.attached[" + k + "]"), "toolstack.attached[" + k + "]"));
        devices.sort((a, b) -> a.host().compareTo(b.host()));
        List<ToolstackState.Routed> routes = new ArrayList<>();
        Strict.fields(o, "routed", "toolstack.routed").forEachRemaining(e -> {
            String p = "toolstack.routed." + e.getKey();
            JsonNode r = Strict.tuple(e.getValue(), 3, p);
            routes.add(new ToolstackState.Routed(Strict.sbdf(e.getKey(), p), Strict.int32(r.get(0), p + "[0]"), Strict.int32(r.get(1), p + "[1]"),
                    Strict.integer(r.get(2), p + "[2]", 0, 1) == 1));
        });
        routes.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        return new ToolstackState(devices.toArray(ToolstackState.Attached[]::new), routes.toArray(ToolstackState.Routed[]::new));
    }

    private static ToolstackState.Attached attached(JsonNode d, String p) {
        List<SysfsDevice.Resource> res = new ArrayList<>();
        JsonNode rs = Strict.array(d, "resources", p + ".resources");
        for (int i = 0; i < rs.size(); i++) {
            String rp = p + ".resources[" + i + "]";
            JsonNode r = Strict.tuple(rs.get(i), 3, rp);
            res.add(new SysfsDevice.Resource(Strict.int64(r.get(0), rp + "[0]"), Strict.int64(r.get(1), rp + "[1]"), Strict.int64(r.get(2), rp + "[2]")));
        }
        JsonNode gb = Strict.array(d, "guestBars", p + ".guestBars");
        long[] bars = new long[gb.size()];
        for (int i = 0; i < bars.length; i++) bars[i] = Strict.int64(gb.get(i), p + ".guestBars[" + i + "]");
        List<BarMapping> maps = new ArrayList<>();
        Strict.fields(d, "mappings", p + ".mappings").forEachRemaining(e -> {
            String mp = p + ".mappings." + e.getKey();
            JsonNode m = Strict.tuple(e.getValue(), 3, mp);
            maps.add(new BarMapping(barIndex(e.getKey(), mp), Strict.int64(m.get(0), mp + "[0]"), Strict.int64(m.get(1), mp + "[1]"), Strict.int64(m.get(2), mp + "[2]")));
        });
        maps.sort((a, b) -> Integer.compare(a.bar(), b.bar()));
        // Optional: documents from before guest IO BARs were mapped have none.
        List<IoBarMapping> ioMaps = new ArrayList<>();
        if (d.has("ioMappings")) {
            Strict.fields(d, "ioMappings", p + ".ioMappings").forEachRemaining(e -> {
                String mp = p + ".ioMappings." + e.getKey();
                JsonNode m = Strict.tuple(e.getValue(), 3, mp);
                ioMaps.add(new IoBarMapping(barIndex(e.getKey(), mp), Strict.integer(m.get(0), mp + "[0]", 0, 0xffff),
                        Strict.integer(m.get(1), mp + "[1]", 0, 0xffff), Strict.integer(m.get(2), mp + "[2]", 0, 0x10000)));
            });
        }
        ioMaps.sort((a, b) -> Integer.compare(a.bar(), b.bar()));
        return new ToolstackState.Attached(Strict.sbdf(Strict.text(d, "host", p + ".host"), p + ".host"),
                Strict.integer(d, "domid", p + ".domid", 1, XenSnapshot.DOMID_MAX), Strict.integer(d, "slot", p + ".slot", 0, 31),
                Strict.hex(Strict.member(d, "config", p + ".config"), p + ".config"), Strict.int32(d, "guestRom", p + ".guestRom"),
                Strict.int32(d, "machineIrq", p + ".machineIrq"), Strict.bool(d, "bound", p + ".bound"), res.toArray(SysfsDevice.Resource[]::new), bars,
                maps.toArray(BarMapping[]::new), qdevId(d, p), ioMaps.toArray(IoBarMapping[]::new),
                d.has("msi") ? RecordJson.fromJson(d.get("msi"), GuestMsiState.class, p + ".msi") : null,
                d.has("msix") ? RecordJson.fromJson(d.get("msix"), GuestMsixState.class, p + ".msix") : null);
    }

    /** A BAR index as a member name ("0".."5", "6" the ROM as PCI_ROM_SLOT). */
    static int barIndex(String key, String p) {
        if (!key.matches("[0-6]")) throw new Strict.BadMember(p, "is not keyed by a BAR index 0..5 or 6 (the ROM)");
        return key.charAt(0) - '0';
    }

    /** Optional: documents written before devices kept their qdev id have none, and a device without one neither. */
    private static String qdevId(JsonNode d, String p) {
        JsonNode id = d.get("qdevId");
        if (id == null || id.isNull()) return null;
        return Strict.text(id, p + ".qdevId");
    }
}
