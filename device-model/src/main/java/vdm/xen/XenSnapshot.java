package vdm.xen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vdm.host.Sbdf;
import vdm.ioapic.IoApic;

/**
 * The hypervisor's part of a model snapshot: domains with their pirqs, permissions, p2m, CF8 latch, vPCI caches,
 * virtual IO-APICs and INTx bindings; the GSIs set up; the assignments; dom0's virtual IO-APICs. The console log is
 * output, not state, and is not saved.
 */
public final class XenSnapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private XenSnapshot() {}

    public static ObjectNode save(Xen xen) {
        ObjectNode o = JSON.objectNode();
        o.put("nextDomid", xen.nextDomid());
        if (xen.routing() != null) {
            ObjectNode r = o.putObject("routing");
            ArrayNode gsis = r.putArray("programmed");
            xen.routing().programmedGsis().stream().forEach(gsis::add);
            r.put("nextVector", xen.routing().nextVector());
        }
        ArrayNode v = o.putArray("dom0VioApics");
        for (IoApic a : xen.dom0VioApics()) v.add(words(a.exportState()));
        ObjectNode assigned = o.putObject("assigned");
        new java.util.TreeMap<>(xen.assignedMap()).forEach((s, d) -> assigned.put(s.toString(), d.id()));
        ArrayNode domains = o.putArray("domains");
        for (Domain d : xen.domains()) domains.add(domain(d));
        return o;
    }

    private static ObjectNode domain(Domain d) {
        ObjectNode o = JSON.objectNode();
        o.put("id", d.id()).put("kind", d.kind().name()).put("vcpus", d.vcpuCount()).put("cf8", d.cf8());
        ArrayNode caps = o.putArray("irqCaps");
        BitSet c = d.irqCaps();
        // dom0 may use every irq: save ranges, not thousands of numbers
        for (int from = c.nextSetBit(0); from >= 0; from = c.nextSetBit(from)) {
            int to = c.nextClearBit(from);
            caps.add(JSON.arrayNode().add(from).add(to));
            from = to;
        }
        ArrayNode pirqs = o.putArray("pirqs");
        for (int[] m : d.pirqs().mappings()) {
            pirqs.add(JSON.arrayNode().add(m[0]).add(m[1]).add(d.pirqs().type(m[0]).name()).add(d.pirqs().bound(m[0])));
        }
        ArrayNode p2m = o.putArray("p2m");
        for (P2m.Range r : d.p2m().ranges()) p2m.add(JSON.arrayNode().add(r.gfn()).add(r.pages()).add(r.mfn()).add(r.owner()));
        ArrayNode vpci = o.putArray("vpci");
        List<Header> headers = new ArrayList<>(d.headers());
        headers.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        for (Header h : headers) {
            ObjectNode hv = vpci.addObject().put("sbdf", h.sbdf().toString()).put("headerType", h.headerType())
                    .put("romEnabled", h.romEnabled());
            ArrayNode bars = hv.putArray("bars");
            for (int i = 0; i < h.barCount(); i++) bars.add(bar(h.bar(i)));
            hv.set("rom", bar(h.rom()));
        }
        if (d.interrupts() != null) {
            o.set("vioapic", words(d.interrupts().vioapic().exportState()));
            ArrayNode b = o.putArray("bindings");
            for (GuestInterrupts.Binding x : new java.util.TreeMap<>(d.interrupts().bindings()).values()) {
                b.add(JSON.arrayNode().add(x.pirq()).add(x.machineIrq()).add(x.guestDevice()).add(x.intx()).add(x.guestGsi()));
            }
        }
        return o;
    }

    private static ArrayNode bar(BarState b) {
        return JSON.arrayNode().add(b.type.name()).add(b.addr).add(b.size).add(b.prefetchable).add(b.enabled).add(b.guestAddr);
    }

    private static ArrayNode words(long[] w) {
        ArrayNode a = JSON.arrayNode();
        for (long x : w) a.add(x);
        return a;
    }

    private static long[] words(JsonNode a) {
        long[] w = new long[a.size()];
        for (int i = 0; i < w.length; i++) w[i] = a.get(i).asLong();
        return w;
    }

    /**
     * Restores into a hypervisor freshly built on the same host with the same dom0 (whose boot-time vPCI is
     * replaced). The caller has validated the document; a malformed one fails here with an exception, and the
     * caller throws this model away.
     */
    public static void restore(Xen xen, JsonNode o) {
        Domain dom0 = xen.dom0();
        for (Header h : List.copyOf(dom0.headers())) {
            h.vpci().clear();
            dom0.detach(h.sbdf());
        }
        dom0.p2m().restore(List.of());
        int next = o.get("nextDomid").asInt();
        xen.restoreNextDomid(next);
        Map<Integer, Domain> byId = new HashMap<>();
        for (JsonNode dn : o.get("domains")) {
            int id = dn.get("id").asInt();
            Domain d = id == 0 ? dom0 : xen.restoreDomain(id, dn.get("vcpus").asInt(), next);
            if (!d.kind().name().equals(dn.get("kind").asText())) {
                throw new IllegalArgumentException("domain " + id + " is " + dn.get("kind").asText() + " in the snapshot but "
                        + d.kind() + " here");
            }
            byId.put(id, d);
            restoreDomain(xen, d, dn);
        }
        if (o.has("routing") && xen.routing() != null) {
            BitSet gsis = new BitSet();
            for (JsonNode g : o.get("routing").get("programmed")) gsis.set(g.asInt());
            xen.routing().restore(gsis, o.get("routing").get("nextVector").asInt());
        }
        List<IoApic> v = xen.dom0VioApics();
        JsonNode vs = o.get("dom0VioApics");
        if (vs.size() != v.size()) throw new IllegalArgumentException("dom0VioApics: " + vs.size() + " saved, " + v.size() + " here");
        for (int i = 0; i < v.size(); i++) v.get(i).importState(words(vs.get(i)));
        Map<Sbdf, Domain> assigned = new HashMap<>();
        o.get("assigned").fields().forEachRemaining(e -> assigned.put(Sbdf.parse(e.getKey()), byId.get(e.getValue().asInt())));
        xen.restoreAssigned(assigned);
    }

    private static void restoreDomain(Xen xen, Domain d, JsonNode dn) {
        d.cf8(dn.get("cf8").asInt());
        BitSet caps = new BitSet();
        for (JsonNode r : dn.get("irqCaps")) caps.set(r.get(0).asInt(), r.get(1).asInt());
        d.restoreIrqCaps(caps);
        d.pirqs().clear();
        for (JsonNode p : dn.get("pirqs")) {
            int pirq = p.get(0).asInt();
            d.pirqs().map(pirq, p.get(1).asInt(), PirqTable.Type.valueOf(p.get(2).asText()));
            d.pirqs().bind(pirq, p.get(3).asBoolean());
        }
        List<P2m.Range> ranges = new ArrayList<>();
        for (JsonNode r : dn.get("p2m")) ranges.add(new P2m.Range(r.get(0).asLong(), r.get(1).asLong(), r.get(2).asLong(), r.get(3).asText()));
        d.p2m().restore(ranges);
        for (JsonNode hv : dn.get("vpci")) {
            Sbdf sbdf = Sbdf.parse(hv.get("sbdf").asText());
            PciHardware hw = xen.bus().function(sbdf.packed());
            if (hw == null) throw new IllegalArgumentException("vPCI of " + sbdf + ": no such function on this host");
            JsonNode bars = hv.get("bars");
            BarState[] saved = new BarState[bars.size()];
            for (int i = 0; i < saved.length; i++) saved[i] = bar(i, bars.get(i));
            Vpci vpci = new Vpci(sbdf, d.id(), hw, d.isHardwareDomain());
            Header h = Header.restore(xen.log(), xen.config(), d, vpci, hv.get("headerType").asInt(), saved, bar(6, hv.get("rom")),
                    hv.get("romEnabled").asBoolean());
            d.attach(sbdf, vpci, h);
        }
        if (d.interrupts() != null && dn.has("vioapic")) {
            d.interrupts().vioapic().importState(words(dn.get("vioapic")));
            for (JsonNode b : dn.get("bindings")) {
                d.interrupts().restoreBinding(new GuestInterrupts.Binding(b.get(0).asInt(), b.get(1).asInt(), b.get(2).asInt(),
                        b.get(3).asInt(), b.get(4).asInt()));
            }
        }
    }

    private static BarState bar(int index, JsonNode a) {
        BarState b = new BarState(index);
        b.type = BarState.Type.valueOf(a.get(0).asText());
        b.addr = a.get(1).asLong();
        b.size = a.get(2).asLong();
        b.prefetchable = a.get(3).asBoolean();
        b.enabled = a.get(4).asBoolean();
        b.guestAddr = a.get(5).asLong();
        return b;
    }
}
