package vdm.xen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vdm.pci.Sbdf;
import vdm.ioapic.IoApic;
import vdm.fingerprint.StateHash;

/**
 * The hypervisor's mutable state in memory: domains with their pirqs, permissions, p2m, CF8 latch, vPCI caches,
 * virtual IO-APIC and INTx bindings; the GSIs set up; the assignments; dom0's virtual IO-APICs. Every part is in a
 * canonical order (domains by id, devices by SBDF, pirqs by number), so equal states hash equally. The console log is
 * output, not state. Captured states are never modified; {@link #restore} puts one back into a hypervisor built on
 * the same host, reusing its objects where they fit.
 */
public record XenState(int nextDomid, int[] programmedGsis, int routingVector, long[][] dom0VioApics, int[] assigned,
                       DomainState[] domains) {

    /**
     * One domain. {@code pirqs} holds quadruples (pirq, irq, type ordinal, bound 0/1); {@code vioapic} is null for a
     * domain without guest interrupts (dom0); {@code bindings} are ordered by machine irq.
     */
    public record DomainState(int id, Domain.Kind kind, int vcpus, int cf8, long[] irqCaps, int[] pirqs, P2m.Range[] p2m,
                              HeaderState[] vpci, long[] vioapic, GuestInterrupts.Binding[] bindings) {}

    /** One device's vPCI header: per BAR and then the ROM, six words (type, address, size, prefetchable, enabled, guest address). */
    public record HeaderState(Sbdf sbdf, int headerType, boolean romEnabled, long[] bars) {
        public int barCount() {
            return bars.length / 6 - 1;
        }
    }

    /** {@code assigned} holds pairs (packed SBDF, domid), ordered by SBDF. */
    public static XenState capture(Xen xen) {
        IoApicRouting r = xen.routing();
        int[] gsis = r == null ? null : r.programmedGsis().stream().toArray();
        List<IoApic> v = xen.dom0VioApics();
        long[][] vio = new long[v.size()][];
        for (int i = 0; i < vio.length; i++) vio[i] = v.get(i).exportState();
        Map<Sbdf, Domain> assignedMap = xen.assignedMap();
        int[] assigned = new int[assignedMap.size() * 2];
        int k = 0;
        for (Map.Entry<Sbdf, Domain> e : assignedMap.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            assigned[k++] = e.getKey().packed();
            assigned[k++] = e.getValue().id();
        }
        List<Domain> ds = xen.domains(); // ordered by id
        DomainState[] domains = new DomainState[ds.size()];
        for (int i = 0; i < domains.length; i++) domains[i] = domain(ds.get(i));
        return new XenState(xen.nextDomid(), gsis, r == null ? 0 : r.nextVector(), vio, assigned, domains);
    }

    private static DomainState domain(Domain d) {
        List<P2m.Range> ranges = d.p2m().ranges(); // ordered by gfn
        List<Header> hs = new ArrayList<>(d.headers());
        hs.sort(Comparator.comparing(Header::sbdf));
        HeaderState[] vpci = new HeaderState[hs.size()];
        for (int i = 0; i < vpci.length; i++) vpci[i] = header(hs.get(i));
        long[] vioapic = null;
        GuestInterrupts.Binding[] bindings = null;
        if (d.interrupts() != null) {
            vioapic = d.interrupts().vioapic().exportState();
            bindings = d.interrupts().bindingsInOrder();
        }
        return new DomainState(d.id(), d.kind(), d.vcpuCount(), d.cf8(), d.irqCaps().toLongArray(), d.pirqs().export(),
                ranges.toArray(P2m.Range[]::new), vpci, vioapic, bindings);
    }

    private static HeaderState header(Header h) {
        long[] bars = new long[6 * (h.barCount() + 1)];
        for (int i = 0; i < h.barCount(); i++) put(bars, i, h.bar(i));
        put(bars, h.barCount(), h.rom());
        return new HeaderState(h.sbdf(), h.headerType(), h.romEnabled(), bars);
    }

    private static void put(long[] w, int i, BarState b) {
        int o = 6 * i;
        w[o] = b.type.ordinal();
        w[o + 1] = b.addr;
        w[o + 2] = b.size;
        w[o + 3] = b.prefetchable ? 1 : 0;
        w[o + 4] = b.enabled ? 1 : 0;
        w[o + 5] = b.guestAddr;
    }

    static void get(long[] w, int i, BarState b) {
        int o = 6 * i;
        if (w[o] < 0 || w[o] >= BarState.Type.values().length) throw new IllegalArgumentException("BAR type " + w[o] + " is unknown");
        b.type = BarState.Type.values()[(int) w[o]];
        b.addr = w[o + 1];
        b.size = w[o + 2];
        b.prefetchable = w[o + 3] != 0;
        b.enabled = w[o + 4] != 0;
        b.guestAddr = w[o + 5];
    }

    /**
     * Checks this state against {@code xen} before anything changes: dom0 of the same kind, devices the bus has, pirq
     * and irq numbers in range, assignments to domains the state has.
     */
    public void check(Xen xen) {
        if (domains.length == 0 || domains[0].id() != 0) throw new IllegalArgumentException("the state has no dom0");
        Domain dom0 = xen.dom0();
        if (dom0 == null) throw new IllegalArgumentException("this hypervisor has no dom0 to restore into");
        DomainState d0 = domains[0];
        if (d0.kind() != dom0.kind() || d0.vcpus() != dom0.vcpuCount()) {
            throw new IllegalArgumentException("dom0 is " + d0.kind() + " with " + d0.vcpus() + " vCPUs in the state but " + dom0.kind()
                    + " with " + dom0.vcpuCount() + " vCPUs here");
        }
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (DomainState d : domains) {
            if (!ids.add(d.id())) throw new IllegalArgumentException("domain " + d.id() + " appears twice");
            if (d.id() != 0 && d.kind() != Domain.Kind.HVM) throw new IllegalArgumentException("domain " + d.id() + " is " + d.kind() + ", domUs are HVM");
            if (d.id() != 0 && (d.vcpus() < 1 || d.vcpus() > 128)) throw new IllegalArgumentException("domain " + d.id() + ": " + d.vcpus() + " vCPUs");
            if (d.id() != 0 && d.id() >= nextDomid) throw new IllegalArgumentException("domain " + d.id() + " is not below nextDomid " + nextDomid);
            if (d.pirqs().length % 4 != 0) throw new IllegalArgumentException("domain " + d.id() + ": pirq list is not in fours");
            for (int i = 0; i < d.pirqs().length; i += 4) {
                int pirq = d.pirqs()[i], irq = d.pirqs()[i + 1], type = d.pirqs()[i + 2];
                if (pirq <= 0 || pirq >= Xen.NR_PIRQS) throw new IllegalArgumentException("domain " + d.id() + ": pirq " + pirq + " out of range");
                if (irq <= 0 || irq >= Xen.NR_IRQS) throw new IllegalArgumentException("domain " + d.id() + ": pirq " + pirq + " maps irq " + irq + ", out of range");
                if (type <= 0 || type >= PirqTable.Type.values().length) throw new IllegalArgumentException("domain " + d.id() + ": pirq " + pirq + " has type " + type);
            }
            for (HeaderState h : d.vpci()) {
                if (xen.bus().function(h.sbdf().packed()) == null) throw new IllegalArgumentException("vPCI of " + h.sbdf() + ": no such function on this host");
                if (h.bars().length % 6 != 0 || h.bars().length == 0) throw new IllegalArgumentException("vPCI of " + h.sbdf() + ": BAR words not in sixes");
                for (int i = 0; i < h.bars().length; i += 6) {
                    if (h.bars()[i] < 0 || h.bars()[i] >= BarState.Type.values().length) {
                        throw new IllegalArgumentException("vPCI of " + h.sbdf() + ": BAR type " + h.bars()[i] + " is unknown");
                    }
                }
            }
            if ((d.vioapic() == null) != (d.id() == 0)) throw new IllegalArgumentException("domain " + d.id() + ": virtual IO-APIC " + (d.vioapic() == null ? "missing" : "unexpected"));
        }
        if (dom0VioApics.length != xen.dom0VioApics().size()) {
            throw new IllegalArgumentException("dom0VioApics: " + dom0VioApics.length + " saved, " + xen.dom0VioApics().size() + " here");
        }
        for (int i = 0; i < assigned.length; i += 2) {
            if (!ids.contains(assigned[i + 1])) throw new IllegalArgumentException(Sbdf.unpack(assigned[i]) + " is assigned to domain " + assigned[i + 1] + ", which the state lacks");
        }
    }

    /**
     * Puts the hypervisor into this state: domains the state lacks are dropped (their p2m and vPCI with them), the
     * others are reused or created, and each part is overwritten. Hardware is not touched: the host's state is
     * restored apart. {@link #check} first (as {@code ModelState.restore} does for every layer).
     */
    public void restore(Xen xen) {
        java.util.Set<Integer> keep = new java.util.HashSet<>();
        for (DomainState d : domains) keep.add(d.id());
        for (Domain d : xen.domains()) if (!keep.contains(d.id())) xen.dropDomain(d);
        Map<Integer, Domain> byId = new HashMap<>();
        for (DomainState ds : domains) {
            Domain d = xen.domain(ds.id());
            if (d != null && ds.id() != 0 && d.vcpuCount() != ds.vcpus()) {
                xen.dropDomain(d);
                d = null;
            }
            if (d == null) d = xen.restoreDomain(ds.id(), ds.vcpus(), ds.vpci().length > 0, nextDomid);
            byId.put(ds.id(), d);
            restoreDomain(xen, d, ds);
        }
        xen.restoreNextDomid(nextDomid);
        if (xen.routing() != null && programmedGsis != null) {
            BitSet gsis = new BitSet();
            for (int g : programmedGsis) gsis.set(g);
            xen.routing().restore(gsis, routingVector);
        }
        List<IoApic> v = xen.dom0VioApics();
        for (int i = 0; i < v.size(); i++) v.get(i).importState(dom0VioApics[i]);
        Map<Sbdf, Domain> map = new HashMap<>();
        for (int i = 0; i < assigned.length; i += 2) map.put(Sbdf.unpack(assigned[i]), byId.get(assigned[i + 1]));
        xen.restoreAssigned(map);
    }

    private static void restoreDomain(Xen xen, Domain d, DomainState ds) {
        d.cf8(ds.cf8());
        d.restoreIrqCaps(BitSet.valueOf(ds.irqCaps()));
        d.pirqs().restore(ds.pirqs());
        d.p2m().restore(Arrays.asList(ds.p2m()));
        Map<Sbdf, HeaderState> wanted = new HashMap<>();
        for (HeaderState h : ds.vpci()) wanted.put(h.sbdf(), h);
        for (Header h : List.copyOf(d.headers())) {
            HeaderState w = wanted.get(h.sbdf());
            if (w == null || !h.fits(w)) {
                h.vpci().clear();
                d.detach(h.sbdf());
            }
        }
        for (HeaderState hs : ds.vpci()) {
            Header h = d.header(hs.sbdf());
            if (h == null) {
                Vpci vpci = new Vpci(hs.sbdf(), d.id(), xen.bus().function(hs.sbdf().packed()), d.isHardwareDomain());
                d.attach(hs.sbdf(), vpci, Header.restore(xen.log(), xen.config(), d, vpci, hs));
            } else {
                h.restoreBars(hs);
            }
        }
        if (d.interrupts() != null) {
            d.interrupts().vioapic().importState(ds.vioapic());
            d.interrupts().restoreBindings(ds.bindings());
        }
    }

    public void hashInto(StateHash h) {
        h.put(nextDomid).put(programmedGsis).put(routingVector).put(dom0VioApics.length);
        for (long[] w : dom0VioApics) h.put(w);
        h.put(assigned).put(domains.length);
        for (DomainState d : domains) {
            h.put(d.id()).put(d.kind().ordinal()).put(d.vcpus()).put(d.cf8()).put(d.irqCaps()).put(d.pirqs()).put(d.p2m().length);
            for (P2m.Range r : d.p2m()) h.put(r.gfn()).put(r.pages()).put(r.mfn()).put(r.owner().device().packed()).put(r.owner().bar());
            h.put(d.vpci().length);
            for (HeaderState x : d.vpci()) h.put(x.sbdf().packed()).put(x.headerType()).put(x.romEnabled()).put(x.bars());
            h.put(d.vioapic());
            if (d.bindings() != null) {
                h.put(d.bindings().length);
                for (GuestInterrupts.Binding b : d.bindings()) h.put(b.pirq()).put(b.machineIrq()).put(b.guestDevice()).put(b.intx()).put(b.guestGsi());
            } else {
                h.put(-1);
            }
        }
    }
}
