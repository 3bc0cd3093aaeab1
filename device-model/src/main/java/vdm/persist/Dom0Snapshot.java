package vdm.persist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import vdm.pci.Sbdf;
import vdm.dom0.Dom0Kernel;
import vdm.dom0.Dom0State;

/** dom0's part of a snapshot document: {@link Dom0State} as JSON and back. The kernel log is output, not state. */
final class Dom0Snapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Dom0Snapshot() {}

    static ObjectNode toJson(Dom0State s) {
        ObjectNode o = JSON.objectNode();
        long[] c = s.cursors();
        o.put("nextMmio32", c[0]).put("nextMmio64", c[1]).put("nextIo", c[2]).put("nextVector", c[3]);
        ObjectNode devs = o.putObject("devices");
        for (Dom0State.Device d : s.devices()) {
            ObjectNode dn = devs.putObject(d.sbdf().toString()).put("driver", d.driver().name()).put("enabled", d.enabled())
                    .put("irq", d.irq()).put("gsiAtEnable", d.gsiAtEnable());
            ArrayNode r = dn.putArray("resource");
            for (long x : d.resource()) r.add(x);
            if (d.savedState() != null) {
                ArrayNode saved = dn.putArray("savedState");
                for (int x : d.savedState()) saved.add(x);
            }
        }
        ArrayNode irqs = o.putArray("irqs");
        for (int[] p : s.irqs()) irqs.add(JSON.arrayNode().add(p[0]).add(p[1]));
        ObjectNode pb = o.putObject("pciback");
        for (Dom0State.Held h : s.pciback()) {
            ArrayNode a = pb.putArray(h.sbdf().toString());
            a.add(h.gsi());
            for (int x : h.savedState()) a.add(x);
        }
        return o;
    }

    /** The state a document describes; a malformed one fails with an exception. */
    static Dom0State fromJson(JsonNode o) {
        long[] cursors = {o.get("nextMmio32").asLong(), o.get("nextMmio64").asLong(), o.get("nextIo").asLong(), o.get("nextVector").asLong()};
        List<Dom0State.Device> devices = new ArrayList<>();
        o.get("devices").fields().forEachRemaining(e -> {
            JsonNode dn = e.getValue();
            long[] res = new long[dn.get("resource").size()];
            for (int i = 0; i < res.length; i++) res[i] = dn.get("resource").get(i).asLong();
            int[] saved = null;
            if (dn.has("savedState")) {
                saved = new int[dn.get("savedState").size()];
                for (int i = 0; i < saved.length; i++) saved[i] = dn.get("savedState").get(i).asInt();
            }
            devices.add(new Dom0State.Device(Sbdf.parse(e.getKey()), Dom0Kernel.Driver.valueOf(dn.get("driver").asText()),
                    dn.get("enabled").asBoolean(), dn.get("irq").asInt(), dn.get("gsiAtEnable").asInt(), res, saved));
        });
        devices.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        int[][] irqs = new int[o.get("irqs").size()][];
        for (int i = 0; i < irqs.length; i++) irqs[i] = new int[] {o.get("irqs").get(i).get(0).asInt(), o.get("irqs").get(i).get(1).asInt()};
        List<Dom0State.Held> held = new ArrayList<>();
        o.get("pciback").fields().forEachRemaining(e -> {
            int[] saved = new int[e.getValue().size() - 1];
            for (int i = 0; i < saved.length; i++) saved[i] = e.getValue().get(i + 1).asInt();
            held.add(new Dom0State.Held(Sbdf.parse(e.getKey()), e.getValue().get(0).asInt(), saved));
        });
        held.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        return new Dom0State(cursors, devices.toArray(Dom0State.Device[]::new), irqs, held.toArray(Dom0State.Held[]::new));
    }
}
