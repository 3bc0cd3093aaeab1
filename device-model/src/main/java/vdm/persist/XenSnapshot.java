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

    private static long[] words(JsonNode a, String p) {
        Strict.array(a, p);
        long[] w = new long[a.size()];
        for (int i = 0; i < w.length; i++) w[i] = Strict.int64(a.get(i), p + "[" + i + "]");
        return w;
    }

    /**
     * The state a document describes; a malformed one fails with an exception naming the member. {@code dom0Iomem} is
     * the hardware domain's boot-time iomem permissions on the document's host, for a document written before iomem
     * permissions were saved (a guest of such a document has none, as with its IO ports).
     */
    static XenState fromJson(JsonNode o, long[] dom0Iomem) {
        int next = Strict.integer(o, "nextDomid", "xen.nextDomid", 1, DOMID_MAX + 1);
        int[] gsis = null;
        int vector = 0;
        if (o.has("routing")) {
            JsonNode r = Strict.object(o, "routing", "xen.routing");
            gsis = ints(Strict.array(r, "programmed", "xen.routing.programmed"), "xen.routing.programmed", 0, Integer.MAX_VALUE);
            vector = Strict.integer(r, "nextVector", "xen.routing.nextVector", 0, Integer.MAX_VALUE);
        }
        JsonNode vs = Strict.array(o, "dom0VioApics", "xen.dom0VioApics");
        long[][] vio = new long[vs.size()][];
        for (int i = 0; i < vio.length; i++) vio[i] = words(vs.get(i), "xen.dom0VioApics[" + i + "]");
        List<XenState.Assigned> assigned = new ArrayList<>();
        Strict.fields(o, "assigned", "xen.assigned").forEachRemaining(e -> assigned.add(new XenState.Assigned(Strict.sbdf(e.getKey(), "xen.assigned." + e.getKey()),
                Strict.integer(e.getValue(), "xen.assigned." + e.getKey(), 0, DOMID_MAX))));
        assigned.sort((a, b) -> a.device().compareTo(b.device()));
        List<XenState.DomainState> domains = new ArrayList<>();
        JsonNode ds = Strict.array(o, "domains", "xen.domains");
        for (int k = 0; k < ds.size(); k++) domains.add(domain(Strict.object(ds.get(k), "xen.domains[" + k + "]"), dom0Iomem, "xen.domains[" + k + "]"));
        domains.sort((a, b) -> Integer.compare(a.id(), b.id()));
        MsiIrqs.State msi = o.has("msi") ? RecordJson.fromJson(o.get("msi"), MsiIrqs.State.class, "xen.msi") : XenState.noMsi();
        Msixtbl.State msixtbl = o.has("msixtbl") ? RecordJson.fromJson(o.get("msixtbl"), Msixtbl.State.class, "xen.msixtbl") : XenState.noMsixtbl();
        // Irqs bound not to share, only once there is one: a document without the member has none (vdm shared every irq).
        int[] unshared = o.has("unsharedIrqs") ? ints(Strict.array(o, "unsharedIrqs", "xen.unsharedIrqs"), "xen.unsharedIrqs", 0, Integer.MAX_VALUE) : new int[0];
        return new XenState(next, gsis, vector, vio, assigned.toArray(XenState.Assigned[]::new), domains.toArray(XenState.DomainState[]::new), msi,
                msixtbl, unshared);
    }

    /** The highest domid of a domain (DOMID_FIRST_RESERVED - 1, xen/include/public/xen.h). */
    static final int DOMID_MAX = 0x7fef;

    private static int[] ints(JsonNode a, String p, long min, long max) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = Strict.integer(a.get(i), p + "[" + i + "]", min, max);
        return out;
    }

    private static P2m.Owner owner(JsonNode v, String p) {
        try {
            return P2m.Owner.parse(Strict.text(v, p));
        } catch (Strict.BadMember e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new Strict.BadMember(p, "is not a p2m owner (SSSS:BB:DD.F BARn or SSSS:BB:DD.F ROM)");
        }
    }

    private static XenState.DomainState domain(JsonNode dn, long[] dom0Iomem, String p) {
        int id = Strict.integer(dn, "id", p + ".id", 0, DOMID_MAX);
        BitSet caps = new BitSet();
        JsonNode capList = Strict.array(dn, "irqCaps", p + ".irqCaps");
        for (int k = 0; k < capList.size(); k++) {
            String cp = p + ".irqCaps[" + k + "]";
            JsonNode r = Strict.tuple(capList.get(k), 2, cp);
            int from = Strict.integer(r.get(0), cp + "[0]", 0, MAX_IRQ), to = Strict.integer(r.get(1), cp + "[1]", from, MAX_IRQ);
            caps.set(from, to);
        }
        Domain.Kind kind = Strict.word(dn, "kind", Domain.Kind.class, p + ".kind");
        boolean hasVpci = dn.has("hasVpci") ? Strict.bool(dn, "hasVpci", p + ".hasVpci") : vpciByDefault(kind);
        List<PirqTable.Mapping> pirqs = new ArrayList<>();
        JsonNode pl = Strict.array(dn, "pirqs", p + ".pirqs");
        for (int k = 0; k < pl.size(); k++) {
            String pp = p + ".pirqs[" + k + "]";
            JsonNode m = Strict.tuple(pl.get(k), 4, pp);
            pirqs.add(new PirqTable.Mapping(Strict.integer(m.get(0), pp + "[0]", 0, Integer.MAX_VALUE), Strict.integer(m.get(1), pp + "[1]", 0, Integer.MAX_VALUE),
                    Strict.word(m.get(2), PirqTable.Type.class, pp + "[2]"), Strict.bool(m.get(3), pp + "[3]")));
        }
        List<P2m.Range> ranges = new ArrayList<>();
        JsonNode pm = Strict.array(dn, "p2m", p + ".p2m");
        for (int k = 0; k < pm.size(); k++) {
            String rp = p + ".p2m[" + k + "]";
            JsonNode r = Strict.tuple(pm.get(k), 4, rp);
            ranges.add(new P2m.Range(Strict.longInt(r.get(0), rp + "[0]", 0, Long.MAX_VALUE), Strict.longInt(r.get(1), rp + "[1]", 1, Long.MAX_VALUE),
                    Strict.longInt(r.get(2), rp + "[2]", 0, Long.MAX_VALUE), owner(r.get(3), rp + "[3]")));
        }
        ranges.sort((a, b) -> Long.compare(a.gfn(), b.gfn()));
        // Documents from before the IO port space have no members: dom0 then has Xen's boot-time ports, a guest none.
        BitSet ioportCaps = dn.has("ioportCaps") || id != 0 ? new BitSet() : IoPorts.hardwareDomainCaps();
        if (dn.has("ioportCaps")) {
            JsonNode il = Strict.array(dn, "ioportCaps", p + ".ioportCaps");
            for (int k = 0; k < il.size(); k++) {
                String ip = p + ".ioportCaps[" + k + "]";
                JsonNode r = Strict.tuple(il.get(k), 2, ip);
                int from = Strict.integer(r.get(0), ip + "[0]", 0, 0x10000);
                ioportCaps.set(from, Strict.integer(r.get(1), ip + "[1]", from, 0x10000));
            }
        }
        int[] ioportCapRanges = IoPorts.ranges(ioportCaps);
        List<IoPorts.Range> ioports = new ArrayList<>();
        if (dn.has("ioports")) {
            JsonNode il = Strict.array(dn, "ioports", p + ".ioports");
            for (int k = 0; k < il.size(); k++) {
                String ip = p + ".ioports[" + k + "]";
                JsonNode r = Strict.tuple(il.get(k), 4, ip);
                ioports.add(new IoPorts.Range(Strict.integer(r.get(0), ip + "[0]", 0, 0xffff), Strict.integer(r.get(1), ip + "[1]", 0, 0xffff),
                        Strict.integer(r.get(2), ip + "[2]", 1, 0x10000), owner(r.get(3), ip + "[3]")));
            }
        }
        long[] iomemCaps = id == 0 ? dom0Iomem.clone() : new long[0];
        if (dn.has("iomemCaps")) {
            JsonNode m = Strict.array(dn, "iomemCaps", p + ".iomemCaps");
            iomemCaps = new long[2 * m.size()];
            for (int i = 0; i < m.size(); i++) {
                String ip = p + ".iomemCaps[" + i + "]";
                JsonNode r = Strict.tuple(m.get(i), 2, ip);
                iomemCaps[2 * i] = Strict.longInt(r.get(0), ip + "[0]", 0, Long.MAX_VALUE);
                iomemCaps[2 * i + 1] = Strict.longInt(r.get(1), ip + "[1]", iomemCaps[2 * i], Long.MAX_VALUE);
            }
        }
        List<XenState.HeaderState> headers = new ArrayList<>();
        JsonNode vl = Strict.array(dn, "vpci", p + ".vpci");
        for (int k = 0; k < vl.size(); k++) {
            String hp = p + ".vpci[" + k + "]";
            JsonNode hv = Strict.object(vl.get(k), hp);
            List<BarState.Saved> bars = new ArrayList<>();
            JsonNode bl = Strict.array(hv, "bars", hp + ".bars");
            for (int b = 0; b < bl.size(); b++) bars.add(bar(bl.get(b), hp + ".bars[" + b + "]"));
            BarState.Saved rom = bar(Strict.member(hv, "rom", hp + ".rom"), hp + ".rom");
            boolean barsMapped = hv.has("barsMapped") ? Strict.bool(hv, "barsMapped", hp + ".barsMapped") : anyMapped(bars, rom);
            VpciMsiState msi = hv.has("msi") ? RecordJson.fromJson(hv.get("msi"), VpciMsiState.class, hp + ".msi") : null;
            headers.add(new XenState.HeaderState(Strict.sbdf(Strict.text(hv, "sbdf", hp + ".sbdf"), hp + ".sbdf"), Strict.integer(hv, "headerType", hp + ".headerType", 0, 0xff),
                    Strict.bool(hv, "romEnabled", hp + ".romEnabled"), barsMapped, bars.toArray(BarState.Saved[]::new), rom, msi));
        }
        headers.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        long[] vioapic = null;
        GuestInterrupts.Binding[] bindings = null;
        if (dn.has("vioapic")) {
            vioapic = words(dn.get("vioapic"), p + ".vioapic");
            List<GuestInterrupts.Binding> bs = new ArrayList<>();
            JsonNode bl = Strict.array(dn, "bindings", p + ".bindings");
            for (int k = 0; k < bl.size(); k++) {
                String bp = p + ".bindings[" + k + "]";
                JsonNode b = Strict.tuple(bl.get(k), 5, bp);
                bs.add(new GuestInterrupts.Binding(Strict.int32(b.get(0), bp + "[0]"), Strict.int32(b.get(1), bp + "[1]"), Strict.int32(b.get(2), bp + "[2]"),
                        Strict.int32(b.get(3), bp + "[3]"), Strict.int32(b.get(4), bp + "[4]")));
            }
            bs.sort((a, b) -> Integer.compare(a.machineIrq(), b.machineIrq()));
            bindings = bs.toArray(GuestInterrupts.Binding[]::new);
        }
        long ramEnd = dn.has("ramEnd") ? Strict.longInt(dn.get("ramEnd"), p + ".ramEnd", 0, 1L << 32) : id == 0 || hasVpci ? 0 : GuestRam.DEFAULT_LOW_END;
        List<GuestRam.Lost> ramLost = new ArrayList<>();
        if (dn.has("ramLost")) {
            JsonNode ll = Strict.array(dn, "ramLost", p + ".ramLost");
            for (int k = 0; k < ll.size(); k++) {
                String lp = p + ".ramLost[" + k + "]";
                JsonNode l = Strict.tuple(ll.get(k), 3, lp);
                ramLost.add(new GuestRam.Lost(Strict.longInt(l.get(0), lp + "[0]", 0, Long.MAX_VALUE), Strict.longInt(l.get(1), lp + "[1]", 1, Long.MAX_VALUE),
                        owner(l.get(2), lp + "[2]")));
            }
        }
        return new XenState.DomainState(id, kind, Strict.integer(dn, "vcpus", p + ".vcpus", 1, MAX_VCPUS), hasVpci, Strict.int32(dn, "cf8", p + ".cf8"),
                caps.toLongArray(), pirqs.toArray(PirqTable.Mapping[]::new), ranges.toArray(P2m.Range[]::new), headers.toArray(XenState.HeaderState[]::new),
                vioapic, bindings, ioportCapRanges, ioports.toArray(IoPorts.Range[]::new), iomemCaps,
                dn.has("msiReceipts") ? RecordJson.fromJson(dn.get("msiReceipts"), MsiReceipts.State.class, p + ".msiReceipts")
                        : new MsiReceipts().capture(), ramEnd, ramLost.toArray(GuestRam.Lost[]::new));
    }

    /** Bounds that keep a corrupt document from asking for a huge bitmap or vCPU array (Xen: nr_irqs, HVM_MAX_VCPUS). */
    private static final int MAX_IRQ = vdm.xen.Xen.NR_IRQS, MAX_VCPUS = 128;

    private static BarState.Saved bar(JsonNode a, String p) {
        Strict.tuple(a, 6, p);
        return new BarState.Saved(Strict.word(a.get(0), BarState.Type.class, p + "[0]"), Strict.int64(a.get(1), p + "[1]"), Strict.int64(a.get(2), p + "[2]"),
                Strict.bool(a.get(3), p + "[3]"), Strict.bool(a.get(4), p + "[4]"), Strict.int64(a.get(5), p + "[5]"));
    }
}
