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
import vdm.xen.GuestRam;
import vdm.xen.IoPorts;
import vdm.xen.MsiIrqs;
import vdm.xen.Msixtbl;
import vdm.xen.MsiReceipts;
import vdm.xen.VpciMsiState;
import vdm.xen.P2m;
import vdm.xen.PirqTable;
import vdm.xen.Msixtbl;
import vdm.xen.XenState;

/**
 * The hypervisor's part of a snapshot document: {@link XenState} as JSON and back. Ranges of permitted irqs are
 * written as [from, to) pairs (dom0 may use every irq), enums by name. A domain's {@code hasVpci} is written only when
 * it is not what its kind has by default ({@link #vpciByDefault}), and a missing one reads as that default: a model
 * without a domU created with vPCI writes the document it wrote before the member existed. The console log is output,
 * not state.
 */
final class XenSnapshot {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private XenSnapshot() {}

    /** A domain's MSI receipts before anything arrived. */
    private static final Receipts NO_RECEIPTS = Receipts.of(new MsiReceipts().capture());

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
        for (XenState.Assigned a : s.assigned()) assigned.put(a.device().toString(), a.domid());
        ArrayNode domains = o.putArray("domains");
        for (XenState.DomainState d : s.domains()) domains.add(domain(d));
        o.set("msi", RecordJson.toJson(s.msi()));
        // Xen's registered guest MSI-X tables, only once one is registered: a model without one writes what it wrote before.
        if (s.msixtbl().entries().length > 0) o.set("msixtbl", RecordJson.toJson(s.msixtbl()));
        // IO-APIC irqs whose guest action does not share (pirq_guest_bind), only once there is one.
        if (s.unsharedIrqs().length > 0) {
            ArrayNode u = o.putArray("unsharedIrqs");
            for (int irq : s.unsharedIrqs()) u.add(irq);
        }
        return o;
    }

    private static ObjectNode domain(XenState.DomainState d) {
        ObjectNode o = JSON.objectNode();
        o.put("id", d.id()).put("kind", d.kind().name()).put("vcpus", d.vcpus()).put("cf8", d.cf8());
        if (d.hasVpci() != vpciByDefault(d.kind())) o.put("hasVpci", d.hasVpci());
        ArrayNode caps = o.putArray("irqCaps");
        BitSet c = BitSet.valueOf(d.irqCaps());
        for (int from = c.nextSetBit(0); from >= 0; from = c.nextSetBit(from)) {
            int to = c.nextClearBit(from);
            caps.add(JSON.arrayNode().add(from).add(to));
            from = to;
        }
        ArrayNode pirqs = o.putArray("pirqs");
        for (PirqTable.Mapping m : d.pirqs()) pirqs.add(JSON.arrayNode().add(m.pirq()).add(m.irq()).add(m.type().name()).add(m.bound()));
        ArrayNode p2m = o.putArray("p2m");
        for (P2m.Range r : d.p2m()) p2m.add(JSON.arrayNode().add(r.gfn()).add(r.pages()).add(r.mfn()).add(r.owner().toString()));
        // An HVM guest's RAM below 4 GiB and what it lost to MMIO mappings (absent: 1 GiB for a guest, none lost)
        if (d.id() != 0) o.put("ramEnd", d.ramEnd());
        ArrayNode lost = o.putArray("ramLost");
        for (GuestRam.Lost l : d.ramLost()) lost.add(JSON.arrayNode().add(l.gfn()).add(l.pages()).add(l.owner().toString()));
        ArrayNode ioportCaps = o.putArray("ioportCaps");
        int[] ports = d.ioportCaps();
        for (int i = 0; i < ports.length; i += 2) ioportCaps.add(JSON.arrayNode().add(ports[i]).add(ports[i + 1]));
        ArrayNode iomemCaps = o.putArray("iomemCaps"); // inclusive [first, last] frame pairs
        long[] frames = d.iomemCaps();
        for (int i = 0; i < frames.length; i += 2) iomemCaps.add(JSON.arrayNode().add(frames[i]).add(frames[i + 1]));
        ArrayNode ioports = o.putArray("ioports");
        for (IoPorts.Range r : d.ioports()) ioports.add(JSON.arrayNode().add(r.gport()).add(r.mport()).add(r.ports()).add(r.owner().toString()));
        ArrayNode vpci = o.putArray("vpci");
        for (XenState.HeaderState h : d.vpci()) {
            ObjectNode hv = vpci.addObject().put("sbdf", h.sbdf().toString()).put("headerType", h.headerType())
                    .put("romEnabled", h.romEnabled()).put("barsMapped", h.barsMapped());
            ArrayNode bars = hv.putArray("bars");
            for (BarState.Saved b : h.bars()) bars.add(bar(b));
            hv.set("rom", bar(h.rom()));
            if (h.msi() != null) hv.set("msi", RecordJson.toJson(h.msi())); // {"msi": {...} or null, "msix": {...} or null}
        }
        // What the domain received by MSI, only once something arrived (or delivery moved its round-robin cursor).
        if (!NO_RECEIPTS.equals(Receipts.of(d.receipts()))) o.set("msiReceipts", RecordJson.toJson(d.receipts()));
        if (d.vioapic() != null) {
            o.set("vioapic", words(d.vioapic()));
            ArrayNode b = o.putArray("bindings");
            for (GuestInterrupts.Binding x : d.bindings()) {
                b.add(JSON.arrayNode().add(x.pirq()).add(x.machineIrq()).add(x.guestDevice()).add(x.intx()).add(x.guestGsi()));
            }
        }
        return o;
    }

    /**
     * Whether Xen gives a domain of this kind vPCI when nothing else is asked: a PVH hardware domain has it, a PV one
     * never, an HVM domU only if created with XEN_X86_EMU_VPCI (dom0 is PV or PVH, domUs HVM).
     */
    private static boolean vpciByDefault(Domain.Kind kind) {
        return kind == Domain.Kind.PVH;
    }

    /**
     * header->bars_mapped for a document written before the member existed: set when a BAR or the ROM is mapped, as
     * modify_decoding sets the flag together with the BARs' enabled bits. Where the two could differ (decoding on
     * with nothing mappable, or every map refused) nothing is mapped either way, so the next COMMAND write does the
     * same to the device and the p2m whichever the flag says.
     */
    private static boolean anyMapped(List<BarState.Saved> bars, BarState.Saved rom) {
        for (BarState.Saved b : bars) if (b.enabled()) return true;
        return rom.enabled();
    }

    /** Receipts compared by content (the state record holds arrays). */
    private record Receipts(List<Long> counts, List<Integer> destinations, int roundRobinPrev) {
        static Receipts of(MsiReceipts.State s) {
            return new Receipts(java.util.Arrays.stream(s.counts()).boxed().toList(), java.util.Arrays.stream(s.destinations()).boxed().toList(),
                    s.roundRobinPrev());
        }
    }

    private static ArrayNode bar(BarState.Saved b) {
        return JSON.arrayNode().add(b.type().name()).add(b.address()).add(b.size()).add(b.prefetchable()).add(b.enabled()).add(b.guestAddress());
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

    /**
     * The state a document describes; a malformed one fails with an exception naming the member. {@code dom0Iomem} is
     * the hardware domain's boot-time iomem permissions on the document's host, for a document written before iomem
     * permissions were saved (a guest of such a document has none, as with its IO ports).
     */
    static XenState fromJson(JsonNode o, long[] dom0Iomem) {
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
        List<XenState.Assigned> assigned = new ArrayList<>();
        o.get("assigned").fields().forEachRemaining(e -> assigned.add(new XenState.Assigned(Sbdf.parse(e.getKey()), e.getValue().asInt())));
        assigned.sort((a, b) -> a.device().compareTo(b.device()));
        List<XenState.DomainState> domains = new ArrayList<>();
        for (JsonNode dn : o.get("domains")) domains.add(domain(dn, dom0Iomem));
        domains.sort((a, b) -> Integer.compare(a.id(), b.id()));
        MsiIrqs.State msi = o.has("msi") ? RecordJson.fromJson(o.get("msi"), MsiIrqs.State.class, "xen.msi") : XenState.noMsi();
        Msixtbl.State msixtbl = o.has("msixtbl") ? RecordJson.fromJson(o.get("msixtbl"), Msixtbl.State.class, "xen.msixtbl") : XenState.noMsixtbl();
        // Irqs bound not to share, only once there is one: a document without the member has none (vdm shared every irq).
        int[] unshared = new int[0];
        if (o.has("unsharedIrqs")) {
            JsonNode u = o.get("unsharedIrqs");
            unshared = new int[u.size()];
            for (int i = 0; i < unshared.length; i++) unshared[i] = u.get(i).asInt();
        }
        return new XenState(next, gsis, vector, vio, assigned.toArray(XenState.Assigned[]::new), domains.toArray(XenState.DomainState[]::new), msi,
                msixtbl, unshared);
    }

    private static XenState.DomainState domain(JsonNode dn, long[] dom0Iomem) {
        int id = dn.get("id").asInt();
        BitSet caps = new BitSet();
        for (JsonNode r : dn.get("irqCaps")) caps.set(r.get(0).asInt(), r.get(1).asInt());
        Domain.Kind kind = Domain.Kind.valueOf(dn.get("kind").asText());
        boolean hasVpci = dn.has("hasVpci") ? dn.get("hasVpci").asBoolean() : vpciByDefault(kind);
        List<PirqTable.Mapping> pirqs = new ArrayList<>();
        for (JsonNode p : dn.get("pirqs")) {
            pirqs.add(new PirqTable.Mapping(p.get(0).asInt(), p.get(1).asInt(), PirqTable.Type.valueOf(p.get(2).asText()), p.get(3).asBoolean()));
        }
        List<P2m.Range> ranges = new ArrayList<>();
        for (JsonNode r : dn.get("p2m")) ranges.add(new P2m.Range(r.get(0).asLong(), r.get(1).asLong(), r.get(2).asLong(), P2m.Owner.parse(r.get(3).asText())));
        ranges.sort((a, b) -> Long.compare(a.gfn(), b.gfn()));
        // Documents from before the IO port space have no members: dom0 then has Xen's boot-time ports, a guest none.
        BitSet ioportCaps = dn.has("ioportCaps") || id != 0 ? new BitSet() : IoPorts.hardwareDomainCaps();
        if (dn.has("ioportCaps")) for (JsonNode r : dn.get("ioportCaps")) ioportCaps.set(r.get(0).asInt(), r.get(1).asInt());
        int[] ioportCapRanges = IoPorts.ranges(ioportCaps);
        List<IoPorts.Range> ioports = new ArrayList<>();
        if (dn.has("ioports")) {
            for (JsonNode r : dn.get("ioports")) {
                ioports.add(new IoPorts.Range(r.get(0).asInt(), r.get(1).asInt(), r.get(2).asInt(), P2m.Owner.parse(r.get(3).asText())));
            }
        }
        long[] iomemCaps = id == 0 ? dom0Iomem.clone() : new long[0];
        if (dn.has("iomemCaps")) {
            JsonNode m = dn.get("iomemCaps");
            iomemCaps = new long[2 * m.size()];
            for (int i = 0; i < m.size(); i++) {
                iomemCaps[2 * i] = m.get(i).get(0).asLong();
                iomemCaps[2 * i + 1] = m.get(i).get(1).asLong();
            }
        }
        List<XenState.HeaderState> headers = new ArrayList<>();
        for (JsonNode hv : dn.get("vpci")) {
            List<BarState.Saved> bars = new ArrayList<>();
            for (JsonNode b : hv.get("bars")) bars.add(bar(b));
            BarState.Saved rom = bar(hv.get("rom"));
            boolean barsMapped = hv.has("barsMapped") ? hv.get("barsMapped").asBoolean() : anyMapped(bars, rom);
            String where = "vpci " + hv.get("sbdf").asText();
            VpciMsiState msi = hv.has("msi") ? RecordJson.fromJson(hv.get("msi"), VpciMsiState.class, where + " msi") : null;
            headers.add(new XenState.HeaderState(Sbdf.parse(hv.get("sbdf").asText()), hv.get("headerType").asInt(),
                    hv.get("romEnabled").asBoolean(), barsMapped, bars.toArray(BarState.Saved[]::new), rom, msi));
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
        long ramEnd = dn.has("ramEnd") ? dn.get("ramEnd").asLong() : id == 0 || hasVpci ? 0 : GuestRam.DEFAULT_LOW_END;
        List<GuestRam.Lost> ramLost = new ArrayList<>();
        if (dn.has("ramLost")) {
            for (JsonNode l : dn.get("ramLost")) ramLost.add(new GuestRam.Lost(l.get(0).asLong(), l.get(1).asLong(), P2m.Owner.parse(l.get(2).asText())));
        }
        return new XenState.DomainState(id, kind, dn.get("vcpus").asInt(), hasVpci, dn.get("cf8").asInt(), caps.toLongArray(),
                pirqs.toArray(PirqTable.Mapping[]::new), ranges.toArray(P2m.Range[]::new), headers.toArray(XenState.HeaderState[]::new), vioapic,
                bindings, ioportCapRanges, ioports.toArray(IoPorts.Range[]::new), iomemCaps,
                dn.has("msiReceipts") ? RecordJson.fromJson(dn.get("msiReceipts"), MsiReceipts.State.class, "domain " + id + " msiReceipts")
                        : new MsiReceipts().capture(), ramEnd, ramLost.toArray(GuestRam.Lost[]::new));
    }

    private static BarState.Saved bar(JsonNode a) {
        return new BarState.Saved(BarState.Type.valueOf(a.get(0).asText()), a.get(1).asLong(), a.get(2).asLong(), a.get(3).asBoolean(),
                a.get(4).asBoolean(), a.get(5).asLong());
    }
}
