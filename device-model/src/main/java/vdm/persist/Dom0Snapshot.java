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
        String at = "dom0Kernel";
        Dom0State.Cursors cursors = new Dom0State.Cursors(Strict.integer(o, "nextVector", at + ".nextVector", 0, Integer.MAX_VALUE));
        List<Dom0State.Device> devices = new ArrayList<>();
        Strict.fields(o, "devices", at + ".devices").forEachRemaining(e -> {
            String p = at + ".devices." + e.getKey();
            JsonNode dn = Strict.object(e.getValue(), p);
            JsonNode rs = Strict.array(dn, "resource", p + ".resource");
            long[] res = new long[rs.size()];
            for (int i = 0; i < res.length; i++) res[i] = Strict.int64(rs.get(i), p + ".resource[" + i + "]");
            int[] saved = null;
            if (dn.has("savedState")) {
                JsonNode ss = Strict.array(dn, "savedState", p + ".savedState");
                saved = new int[ss.size()];
                for (int i = 0; i < saved.length; i++) saved[i] = Strict.int32(ss.get(i), p + ".savedState[" + i + "]");
            }
            devices.add(new Dom0State.Device(Strict.sbdf(e.getKey(), p), Strict.word(dn, "driver", Dom0Kernel.Driver.class, p + ".driver"),
                    Strict.bool(dn, "enabled", p + ".enabled"), Strict.int32(dn, "irq", p + ".irq"), Strict.int32(dn, "gsiAtEnable", p + ".gsiAtEnable"),
                    res, saved));
        });
        devices.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        List<LinuxIrqs.Registration> registrations = new ArrayList<>();
        int nextIrq = LinuxIrqs.NR_LEGACY_IRQS; // a kernel that registered nothing
        JsonNode irqList = Strict.array(o, "irqs", at + ".irqs");
        for (int k = 0; k < irqList.size(); k++) {
            String p = at + ".irqs[" + k + "]";
            JsonNode pair = Strict.tuple(irqList.get(k), 2, p);
            int gsi = Strict.integer(pair.get(0), p + "[0]", NEXT_IRQ, Integer.MAX_VALUE);
            int irq = Strict.integer(pair.get(1), p + "[1]", 0, Integer.MAX_VALUE);
            if (gsi == NEXT_IRQ) nextIrq = irq;
            else registrations.add(new LinuxIrqs.Registration(gsi, irq));
        }
        LinuxIrqs.Saved irqs = new LinuxIrqs.Saved(registrations.toArray(LinuxIrqs.Registration[]::new), nextIrq);
        List<Dom0State.Held> held = new ArrayList<>();
        Strict.fields(o, "pciback", at + ".pciback").forEachRemaining(e -> {
            String p = at + ".pciback." + e.getKey();
            JsonNode a = Strict.array(e.getValue(), p);
            if (a.isEmpty()) throw new Strict.BadMember(p, "is empty, expected [gsi, saved config words...]");
            int[] saved = new int[a.size() - 1];
            for (int i = 0; i < saved.length; i++) saved[i] = Strict.int32(a.get(i + 1), p + "[" + (i + 1) + "]");
            held.add(new Dom0State.Held(Strict.sbdf(e.getKey(), p), Strict.int32(a.get(0), p + "[0]"), saved));
        });
        held.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        return new Dom0State(cursors, devices.toArray(Dom0State.Device[]::new), irqs, held.toArray(Dom0State.Held[]::new));
    }
}
