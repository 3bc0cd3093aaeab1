package vdm.dom0;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import vdm.host.Sbdf;

/**
 * dom0's part of a model snapshot: each device's driver, enable state, IRQ, recorded GSI and resources; the IRQ
 * numbers given to GSIs; the resource and vector cursors; pciback's devices with their saved state and GSI. The
 * kernel log is output, not state.
 */
public final class Dom0Snapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Dom0Snapshot() {}

    public static ObjectNode save(Dom0Kernel k) {
        ObjectNode o = JSON.objectNode();
        o.put("nextMmio32", k.cursors()[0]).put("nextMmio64", k.cursors()[1]).put("nextIo", k.cursors()[2]).put("nextVector", k.cursors()[3]);
        ObjectNode devs = o.putObject("devices");
        for (Map.Entry<Sbdf, Dom0Kernel.PciDev> e : new TreeMap<>(k.devices()).entrySet()) {
            Dom0Kernel.PciDev d = e.getValue();
            ObjectNode dn = devs.putObject(e.getKey().toString()).put("driver", d.driver.name()).put("enabled", d.enabled)
                    .put("irq", d.irq).put("gsiAtEnable", d.gsiAtEnable);
            ArrayNode r = dn.putArray("resource");
            for (long x : d.resource) r.add(x);
        }
        ArrayNode irqs = o.putArray("irqs");
        for (int[] p : k.irqs().export()) irqs.add(JSON.arrayNode().add(p[0]).add(p[1]));
        ObjectNode pb = o.putObject("pciback");
        k.pciback().export().forEach((s, v) -> {
            ArrayNode a = pb.putArray(s.toString());
            for (int x : v) a.add(x);
        });
        return o;
    }

    public static void restore(Dom0Kernel k, JsonNode o) {
        k.restoreCursors(new long[] {o.get("nextMmio32").asLong(), o.get("nextMmio64").asLong(), o.get("nextIo").asLong(),
                o.get("nextVector").asLong()});
        o.get("devices").fields().forEachRemaining(e -> {
            Dom0Kernel.PciDev d = k.dev(Sbdf.parse(e.getKey()));
            JsonNode dn = e.getValue();
            d.driver = Dom0Kernel.Driver.valueOf(dn.get("driver").asText());
            d.enabled = dn.get("enabled").asBoolean();
            d.irq = dn.get("irq").asInt();
            d.gsiAtEnable = dn.get("gsiAtEnable").asInt();
            for (int i = 0; i < d.resource.length; i++) d.resource[i] = dn.get("resource").get(i).asLong();
        });
        int[][] irqs = new int[o.get("irqs").size()][];
        for (int i = 0; i < irqs.length; i++) irqs[i] = new int[] {o.get("irqs").get(i).get(0).asInt(), o.get("irqs").get(i).get(1).asInt()};
        k.irqs().restore(irqs);
        Map<Sbdf, int[]> pb = new TreeMap<>();
        o.get("pciback").fields().forEachRemaining(e -> {
            int[] v = new int[e.getValue().size()];
            for (int i = 0; i < v.length; i++) v[i] = e.getValue().get(i).asInt();
            pb.put(Sbdf.parse(e.getKey()), v);
        });
        k.pciback().restore(pb);
    }
}
