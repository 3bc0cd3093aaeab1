package vdm.persist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import vdm.pci.Sbdf;
import vdm.xen.BarState;
import vdm.xen.Domain;
import vdm.xen.GuestInterrupts;
import vdm.xen.P2m;
import vdm.xen.PirqTable;
import vdm.xen.XenState;

/**
 * The hypervisor's part of a snapshot document: {@link XenState} as JSON and back. Ranges of permitted irqs are
 * written as [from, to) pairs (dom0 may use every irq), enums by name. The console log is output, not state.
 */
final class XenSnapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private XenSnapshot() {}

    static ObjectNode toJson(XenState s) {
        ObjectNode o = JSON.objectNode();
        o.put("nextDomid", s.nextDomid());
        if (s.programmedGsis() != null) {
            ObjectNode r = o.putObject("routing");
            ArrayNode gsis = r.putArray("programmed");
            for (int g : s.programmedGsis()) gsis.add(g);
            r.put("nextVector", s.routingVector());
        }
        ArrayNode v = o.putArray("dom0VioApics");
        for (long[] a : s.dom0VioApics()) v.add(words(a));
        ObjectNode assigned = o.putObject("assigned");
        for (int i = 0; i < s.assigned().length; i += 2) assigned.put(Sbdf.unpack(s.assigned()[i]).toString(), s.assigned()[i + 1]);
        ArrayNode domains = o.putArray("domains");
        for (XenState.DomainState d : s.domains()) domains.add(domain(d));
        return o;
    }

    private static ObjectNode domain(XenState.DomainState d) {
        ObjectNode o = JSON.objectNode();
        o.put("id", d.id()).put("kind", d.kind().name()).put("vcpus", d.vcpus()).put("cf8", d.cf8());
        ArrayNode caps = o.putArray("irqCaps");
        BitSet c = BitSet.valueOf(d.irqCaps());
        for (int from = c.nextSetBit(0); from >= 0; from = c.nextSetBit(from)) {
            int to = c.nextClearBit(from);
            caps.add(JSON.arrayNode().add(from).add(to));
            from = to;
        }
        ArrayNode pirqs = o.putArray("pirqs");
        int[] p = d.pirqs();
        for (int i = 0; i < p.length; i += 4) {
            pirqs.add(JSON.arrayNode().add(p[i]).add(p[i + 1]).add(PirqTable.Type.values()[p[i + 2]].name()).add(p[i + 3] != 0));
        }
        ArrayNode p2m = o.putArray("p2m");
        for (P2m.Range r : d.p2m()) p2m.add(JSON.arrayNode().add(r.gfn()).add(r.pages()).add(r.mfn()).add(r.owner().toString()));
        ArrayNode vpci = o.putArray("vpci");
        for (XenState.HeaderState h : d.vpci()) {
            ObjectNode hv = vpci.addObject().put("sbdf", h.sbdf().toString()).put("headerType", h.headerType())
                    .put("romEnabled", h.romEnabled());
            ArrayNode bars = hv.putArray("bars");
            for (int i = 0; i < h.barCount(); i++) bars.add(bar(h.bars(), i));
            hv.set("rom", bar(h.bars(), h.barCount()));
        }
        if (d.vioapic() != null) {
            o.set("vioapic", words(d.vioapic()));
            ArrayNode b = o.putArray("bindings");
            for (GuestInterrupts.Binding x : d.bindings()) {
                b.add(JSON.arrayNode().add(x.pirq()).add(x.machineIrq()).add(x.guestDevice()).add(x.intx()).add(x.guestGsi()));
            }
        }
        return o;
    }

    private static ArrayNode bar(long[] w, int i) {
        int o = 6 * i;
        return JSON.arrayNode().add(BarState.Type.values()[(int) w[o]].name()).add(w[o + 1]).add(w[o + 2]).add(w[o + 3] != 0)
                .add(w[o + 4] != 0).add(w[o + 5]);
    }

    private static ArrayNode words(long[] w) {
        ArrayNode a = JSON.arrayNode();
        for (long x : w) a.add(x);
        return a;
    }

    private static long[] words(JsonNode a) {
        if (a == null || !a.isArray()) throw new IllegalArgumentException("expected an array of numbers, got " + a);
        long[] w = new long[a.size()];
        for (int i = 0; i < w.length; i++) w[i] = a.get(i).asLong();
        return w;
    }

    /** The state a document describes; a malformed one fails with an exception naming the member. */
    static XenState fromJson(JsonNode o) {
        int next = o.get("nextDomid").asInt();
        int[] gsis = null;
        int vector = 0;
        if (o.has("routing")) {
            JsonNode g = o.get("routing").get("programmed");
            gsis = new int[g.size()];
            for (int i = 0; i < gsis.length; i++) gsis[i] = g.get(i).asInt();
            vector = o.get("routing").get("nextVector").asInt();
        }
        JsonNode vs = o.get("dom0VioApics");
        long[][] vio = new long[vs.size()][];
        for (int i = 0; i < vio.length; i++) vio[i] = words(vs.get(i));
        List<int[]> pairs = new ArrayList<>();
        o.get("assigned").fields().forEachRemaining(e -> pairs.add(new int[] {Sbdf.parse(e.getKey()).packed(), e.getValue().asInt()}));
        pairs.sort((a, b) -> Sbdf.unpack(a[0]).compareTo(Sbdf.unpack(b[0])));
        int[] assigned = new int[2 * pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            assigned[2 * i] = pairs.get(i)[0];
            assigned[2 * i + 1] = pairs.get(i)[1];
        }
        List<XenState.DomainState> domains = new ArrayList<>();
        for (JsonNode dn : o.get("domains")) domains.add(domain(dn));
        domains.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return new XenState(next, gsis, vector, vio, assigned, domains.toArray(XenState.DomainState[]::new));
    }

    private static XenState.DomainState domain(JsonNode dn) {
        int id = dn.get("id").asInt();
        BitSet caps = new BitSet();
        for (JsonNode r : dn.get("irqCaps")) caps.set(r.get(0).asInt(), r.get(1).asInt());
        JsonNode ps = dn.get("pirqs");
        int[] pirqs = new int[4 * ps.size()];
        for (int i = 0; i < ps.size(); i++) {
            JsonNode p = ps.get(i);
            pirqs[4 * i] = p.get(0).asInt();
            pirqs[4 * i + 1] = p.get(1).asInt();
            pirqs[4 * i + 2] = PirqTable.Type.valueOf(p.get(2).asText()).ordinal();
            pirqs[4 * i + 3] = p.get(3).asBoolean() ? 1 : 0;
        }
        List<P2m.Range> ranges = new ArrayList<>();
        for (JsonNode r : dn.get("p2m")) ranges.add(new P2m.Range(r.get(0).asLong(), r.get(1).asLong(), r.get(2).asLong(), P2m.Owner.parse(r.get(3).asText())));
        ranges.sort((a, b) -> Long.compare(a.gfn(), b.gfn()));
        List<XenState.HeaderState> headers = new ArrayList<>();
        for (JsonNode hv : dn.get("vpci")) {
            JsonNode bars = hv.get("bars");
            long[] w = new long[6 * (bars.size() + 1)];
            for (int i = 0; i < bars.size(); i++) bar(bars.get(i), w, i);
            bar(hv.get("rom"), w, bars.size());
            headers.add(new XenState.HeaderState(Sbdf.parse(hv.get("sbdf").asText()), hv.get("headerType").asInt(),
                    hv.get("romEnabled").asBoolean(), w));
        }
        headers.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        long[] vioapic = null;
        GuestInterrupts.Binding[] bindings = null;
        if (dn.has("vioapic")) {
            vioapic = words(dn.get("vioapic"));
            List<GuestInterrupts.Binding> bs = new ArrayList<>();
            for (JsonNode b : dn.get("bindings")) {
                bs.add(new GuestInterrupts.Binding(b.get(0).asInt(), b.get(1).asInt(), b.get(2).asInt(), b.get(3).asInt(), b.get(4).asInt()));
            }
            bs.sort((a, b) -> Integer.compare(a.machineIrq(), b.machineIrq()));
            bindings = bs.toArray(GuestInterrupts.Binding[]::new);
        }
        return new XenState.DomainState(id, Domain.Kind.valueOf(dn.get("kind").asText()), dn.get("vcpus").asInt(), dn.get("cf8").asInt(),
                caps.toLongArray(), pirqs, ranges.toArray(P2m.Range[]::new), headers.toArray(XenState.HeaderState[]::new), vioapic, bindings);
    }

    private static void bar(JsonNode a, long[] w, int i) {
        int o = 6 * i;
        w[o] = BarState.Type.valueOf(a.get(0).asText()).ordinal();
        w[o + 1] = a.get(1).asLong();
        w[o + 2] = a.get(2).asLong();
        w[o + 3] = a.get(3).asBoolean() ? 1 : 0;
        w[o + 4] = a.get(4).asBoolean() ? 1 : 0;
        w[o + 5] = a.get(5).asLong();
    }
}
