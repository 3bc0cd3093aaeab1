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
import vdm.dom0.LinuxIrqs;

/**
 * dom0's part of a snapshot document: {@link Dom0State} as JSON and back. The IRQ numbers are [gsi, irq] pairs by GSI,
 * then [-1, next dynamic IRQ]. The kernel log is output, not state.
 */
final class Dom0Snapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The GSI member of the pair that carries the next dynamic IRQ instead of a registration. */
    private static final int NEXT_IRQ = -1;

    private Dom0Snapshot() {}

    static ObjectNode toJson(Dom0State s) {
        ObjectNode o = JSON.objectNode();
        Dom0State.Cursors c = s.cursors();
        o.put("nextVector", c.nextVector()); // documents written before also carry nextMmio32, nextMmio64 and nextIo, which are ignored
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
        for (LinuxIrqs.Registration r : s.irqs().registrations()) irqs.add(JSON.arrayNode().add(r.gsi()).add(r.irq()));
        irqs.add(JSON.arrayNode().add(NEXT_IRQ).add(s.irqs().nextIrq()));
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
        Dom0State.Cursors cursors = new Dom0State.Cursors(o.get("nextVector").asInt());
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
        List<LinuxIrqs.Registration> registrations = new ArrayList<>();
        int nextIrq = LinuxIrqs.NR_LEGACY_IRQS; // a kernel that registered nothing
        for (JsonNode p : o.get("irqs")) {
            if (p.size() != 2) throw new IllegalArgumentException("dom0 IRQ entries are pairs, got " + p);
            if (p.get(0).asInt() == NEXT_IRQ) nextIrq = p.get(1).asInt();
            else registrations.add(new LinuxIrqs.Registration(p.get(0).asInt(), p.get(1).asInt()));
        }
        LinuxIrqs.Saved irqs = new LinuxIrqs.Saved(registrations.toArray(LinuxIrqs.Registration[]::new), nextIrq);
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
