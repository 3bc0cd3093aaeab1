package vdm.toolstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import vdm.host.Sbdf;
import vdm.xen.Domain;

/** The toolstack's part of a model snapshot: attached devices with QEMU's emulated state, and libxl's routing. */
public final class ToolstackSnapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ToolstackSnapshot() {}

    public static ObjectNode save(Libxl libxl) {
        ObjectNode o = JSON.objectNode();
        ArrayNode devs = o.putArray("attached");
        for (Map.Entry<Sbdf, XenPtDevice> e : libxl.attachedMap().entrySet()) {
            XenPtDevice p = e.getValue();
            ObjectNode d = devs.addObject().put("host", e.getKey().toString()).put("domid", p.guest().id())
                    .put("slot", p.guestSlot()).put("config", HexFormat.of().formatHex(p.copy()))
                    .put("guestRom", p.guestRom()).put("machineIrq", p.machineIrq()).put("bound", p.interruptBound());
            ArrayNode res = d.putArray("resources");
            for (long[] r : p.resources()) res.add(JSON.arrayNode().add(r[0]).add(r[1]).add(r[2]));
            ArrayNode bars = d.putArray("guestBars");
            for (long b : p.guestBars()) bars.add(b);
            ObjectNode maps = d.putObject("mappings");
            p.mappings().forEach((n, m) -> maps.set(Integer.toString(n), JSON.arrayNode().add(m[0]).add(m[1]).add(m[2])));
        }
        ObjectNode routed = o.putObject("routed");
        libxl.routedMap().forEach((s, r) -> routed.set(s.toString(), JSON.arrayNode().add(r[0]).add(r[1]).add(r[2])));
        return o;
    }

    public static void restore(Libxl libxl, JsonNode o) {
        Map<Sbdf, XenPtDevice> devices = new LinkedHashMap<>();
        for (JsonNode d : o.get("attached")) {
            Sbdf host = Sbdf.parse(d.get("host").asText());
            Domain guest = libxl.xen().domain(d.get("domid").asInt());
            if (guest == null) throw new IllegalArgumentException("attached device " + host + ": no domain " + d.get("domid"));
            long[][] res = new long[d.get("resources").size()][];
            for (int i = 0; i < res.length; i++) {
                JsonNode r = d.get("resources").get(i);
                res[i] = new long[] {r.get(0).asLong(), r.get(1).asLong(), r.get(2).asLong()};
            }
            XenPtDevice p = new XenPtDevice(libxl.xen(), libxl.kernel(), libxl.trace(), guest, host, d.get("slot").asInt(),
                    HexFormat.of().parseHex(d.get("config").asText()), res);
            long[] bars = new long[6];
            for (int i = 0; i < 6; i++) bars[i] = d.get("guestBars").get(i).asLong();
            Map<Integer, long[]> maps = new TreeMap<>();
            d.get("mappings").fields().forEachRemaining(e -> maps.put(Integer.parseInt(e.getKey()),
                    new long[] {e.getValue().get(0).asLong(), e.getValue().get(1).asLong(), e.getValue().get(2).asLong()}));
            p.restore(bars, d.get("guestRom").asInt(), d.get("machineIrq").asInt(), d.get("bound").asBoolean(), maps);
            devices.put(host, p);
        }
        Map<Sbdf, int[]> routes = new LinkedHashMap<>();
        o.get("routed").fields().forEachRemaining(e -> routes.put(Sbdf.parse(e.getKey()),
                new int[] {e.getValue().get(0).asInt(), e.getValue().get(1).asInt(), e.getValue().get(2).asInt()}));
        libxl.restore(devices, routes);
    }
}
