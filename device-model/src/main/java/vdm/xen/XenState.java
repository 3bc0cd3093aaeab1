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
 * the same host, reusing its objects where they fit. {@code msi} is Xen's MSI irqs, msi_descs and bindings
 * ({@link MsiIrqs}); each domain carries what it received by MSI, each hardware-domain vPCI header its MSI and MSI-X.
 * {@code unsharedIrqs} are the IO-APIC irqs whose guest action was bound not to share ({@link IrqGuestActions}),
 * ascending. {@code msixtbl} is the guests' MSI-X tables Xen has registered ({@link Msixtbl}: table address, entries changed
 * since their unmask, the shadowed first entries).
 */
public record XenState(int nextDomid, int[] programmedGsis, int routingVector, long[][] dom0VioApics, Assigned[] assigned,
                       DomainState[] domains, MsiIrqs.State msi, Msixtbl.State msixtbl, int[] unsharedIrqs) {

    /** A function a domU holds (XEN_DOMCTL_assign_device), by SBDF in a state. */
    public record Assigned(Sbdf device, int domid) {}

    /**
     * One domain. {@code hasVpci} is Xen's has_vpci(d), fixed when the domain is created; {@code pirqs} are ordered by
     * pirq; {@code vioapic} is null for a domain without guest interrupts (dom0); {@code bindings} are ordered by
     * machine irq; {@code ioportCaps} are the permitted IO ports as [from, to) pairs, {@code ioports} the guest-to-machine
     * port ranges in the order Xen's list keeps them; {@code iomemCaps} the machine frames it may map as inclusive
     * [first, last] pairs ({@link IomemCaps#capRanges()}).
     */
    public record DomainState(int id, Domain.Kind kind, int vcpus, boolean hasVpci, int cf8, long[] irqCaps, PirqTable.Mapping[] pirqs,
                              P2m.Range[] p2m, HeaderState[] vpci, long[] vioapic, GuestInterrupts.Binding[] bindings,
                              int[] ioportCaps, IoPorts.Range[] ioports, long[] iomemCaps, MsiReceipts.State receipts, long ramEnd,
                              GuestRam.Lost[] ramLost) {}

    /**
     * One device's vPCI header: the cached BARs (as many as the header type has), the ROM, whether the ROM is enabled
     * (header->rom_enabled) and whether Xen has the BARs mapped (header->bars_mapped).
     */
    public record HeaderState(Sbdf sbdf, int headerType, boolean romEnabled, boolean barsMapped, BarState.Saved[] bars, BarState.Saved rom,
                              VpciMsiState msi) {
        public int barCount() {
            return bars.length;
        }
    }


    /** Xen's MSI state before any MSI irq was made (a document written before MSI state existed). */
    public static MsiIrqs.State noMsi() {
        return new MsiIrqs.State(new MsiIrqs.DescState[0], new int[0], new int[0], new MsiIrqs.MsixDeviceState[0],
                MsiIrqs.FIRST_DYNAMIC_VECTOR, 0, new MsiIrqs.Binding[0]);
    }

    /** No guest MSI-X table registered (a document written before msixtbl was saved, or without a bound guest table). */
    public static Msixtbl.State noMsixtbl() {
        return new Msixtbl.State(new Msixtbl.Entry[0]);
    }

    /** {@code assigned} is ordered by SBDF. */
    public static XenState capture(Xen xen) {
        IoApicRouting r = xen.routing();
        int[] gsis = r == null ? null : r.programmedGsis().stream().toArray();
        List<IoApic> v = xen.dom0VioApics();
        long[][] vio = new long[v.size()][];
        for (int i = 0; i < vio.length; i++) vio[i] = v.get(i).exportState();
        Map<Sbdf, Domain> assignedMap = xen.assignedMap();
        Assigned[] assigned = assignedMap.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> new Assigned(e.getKey(), e.getValue().id())).toArray(Assigned[]::new);
        List<Domain> ds = xen.domains(); // ordered by id
        DomainState[] domains = new DomainState[ds.size()];
        for (int i = 0; i < domains.length; i++) domains[i] = domain(ds.get(i));
        return new XenState(xen.nextDomid(), gsis, r == null ? 0 : r.nextVector(), vio, assigned, domains, xen.msi().capture(),
                xen.msixtbl().capture(), xen.irqActions().exclusiveIrqs());
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
        return new DomainState(d.id(), d.kind(), d.vcpuCount(), d.hasVpci(), d.cf8Opaque(), d.irqCaps().toLongArray(), d.pirqs().mappings(),
                ranges.toArray(P2m.Range[]::new), vpci, vioapic, bindings, d.ioPorts().capRanges(),
                d.ioPorts().ranges().toArray(IoPorts.Range[]::new), d.iomem().capRanges(), d.msiReceipts().capture(), d.ram().lowEnd(),
                d.ram().lost().toArray(GuestRam.Lost[]::new));
    }

    private static HeaderState header(Header h) {
        BarState.Saved[] bars = new BarState.Saved[h.barCount()];
        for (int i = 0; i < bars.length; i++) bars[i] = h.bar(i).save();
        // vPCI's MSI and MSI-X (null where the device traps neither, as a domU's vPCI never does); a hardware domain's
        // device whose MSI-X capability vPCI masked has a state without an MSI-X part, so that a restore masks it again.
        VpciMsiState msi = h.msi() == null && h.msix() == null && !h.msixMasked() ? null : VpciMsiState.of(h);
        return new HeaderState(h.sbdf(), h.headerType(), h.romEnabled(), h.barsMapped(), bars, h.rom().save(), msi);
    }

    /** The iomem ranges are inclusive pairs, ordered, disjoint and not touching, within the address width. */
    private static void checkIomem(DomainState d) {
        long[] r = d.iomemCaps();
        if (r == null || (r.length & 1) != 0) throw new IllegalArgumentException("domain " + d.id() + ": iomem permissions need [first, last] pairs");
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] < 0 || r[i] > r[i + 1] || r[i + 1] > IomemCaps.MAX_MFN || (i > 0 && r[i] <= r[i - 1] + 1)) {
                throw new IllegalArgumentException(String.format("domain %d: iomem range [%#x, %#x] is empty, out of order, touches the one before"
                        + " or passes frame %#x", d.id(), r[i], r[i + 1], IomemCaps.MAX_MFN));
            }
        }
    }

    /**
     * Checks this state against {@code xen} before anything changes: dom0 of the same kind (and vPCI), devices the bus
     * has, pirq and irq numbers in range, assignments to domains the state has.
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
        if (d0.hasVpci() != dom0.hasVpci()) {
            throw new IllegalArgumentException("dom0 has " + (d0.hasVpci() ? "" : "no ") + "vPCI in the state but " + (dom0.hasVpci() ? "" : "no ")
                    + "vPCI here");
        }
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (DomainState d : domains) {
            if (!ids.add(d.id())) throw new IllegalArgumentException("domain " + d.id() + " appears twice");
            if (d.id() != 0 && d.kind() != Domain.Kind.HVM) throw new IllegalArgumentException("domain " + d.id() + " is " + d.kind() + ", domUs are HVM");
            if (d.id() != 0 && (d.vcpus() < 1 || d.vcpus() > 128)) throw new IllegalArgumentException("domain " + d.id() + ": " + d.vcpus() + " vCPUs");
            if (d.id() != 0 && d.id() >= nextDomid) throw new IllegalArgumentException("domain " + d.id() + " is not below nextDomid " + nextDomid);
            for (PirqTable.Mapping m : d.pirqs()) {
                if (m.pirq() <= 0 || m.pirq() >= Xen.NR_PIRQS) throw new IllegalArgumentException("domain " + d.id() + ": pirq " + m.pirq() + " out of range");
                if (m.irq() <= 0 || m.irq() >= Xen.NR_IRQS) {
                    throw new IllegalArgumentException("domain " + d.id() + ": pirq " + m.pirq() + " maps irq " + m.irq() + ", out of range");
                }
                if (m.type() == null || m.type() == PirqTable.Type.NONE) {
                    throw new IllegalArgumentException("domain " + d.id() + ": pirq " + m.pirq() + " is mapped with type " + m.type());
                }
            }
            for (HeaderState h : d.vpci()) {
                if (xen.bus().function(h.sbdf().packed()) == null) throw new IllegalArgumentException("vPCI of " + h.sbdf() + ": no such function on this host");
                if (h.rom() == null || h.rom().type() == null) throw new IllegalArgumentException("vPCI of " + h.sbdf() + ": no ROM cache");
                for (int i = 0; i < h.barCount(); i++) {
                    if (h.bars()[i] == null || h.bars()[i].type() == null) throw new IllegalArgumentException("vPCI of " + h.sbdf() + ": BAR" + i + " has no type");
                }
            }
            if (d.ramLost() == null || d.ramEnd() < 0 || d.ramEnd() > GuestRam.BELOW_4G_MMIO_START) {
                throw new IllegalArgumentException(String.format("domain %d: guest RAM ending at 0x%x", d.id(), d.ramEnd()));
            }
            if ((d.vioapic() == null) != (d.id() == 0)) throw new IllegalArgumentException("domain " + d.id() + ": virtual IO-APIC " + (d.vioapic() == null ? "missing" : "unexpected"));
        }
        if (dom0VioApics.length != xen.dom0VioApics().size()) {
            throw new IllegalArgumentException("dom0VioApics: " + dom0VioApics.length + " saved, " + xen.dom0VioApics().size() + " here");
        }
        for (Assigned a : assigned) {
            if (!ids.contains(a.domid())) throw new IllegalArgumentException(a.device() + " is assigned to domain " + a.domid() + ", which the state lacks");
        }
        if (msi == null) throw new IllegalArgumentException("the state has no MSI irqs");
        for (DomainState d : domains) {
            if (d.receipts() == null) throw new IllegalArgumentException("domain " + d.id() + ": no MSI receipts");
            checkIomem(d);
            if (d.receipts().counts().length != MsiReceipts.VECTORS || d.receipts().destinations().length != MsiReceipts.VECTORS) {
                throw new IllegalArgumentException("domain " + d.id() + ": MSI receipts for " + d.receipts().counts().length + " vectors, "
                        + MsiReceipts.VECTORS + " expected");
            }
        }
        xen.msi().check(msi, ids::contains);
        if (msixtbl == null) throw new IllegalArgumentException("the state has no msixtbl");
        xen.msixtbl().check(msixtbl, ids::contains);
        if (unsharedIrqs == null) throw new IllegalArgumentException("the state has no irq guest actions");
        for (int i = 0; i < unsharedIrqs.length; i++) {
            if (unsharedIrqs[i] < 0 || unsharedIrqs[i] >= Xen.NR_IRQS || (i > 0 && unsharedIrqs[i] <= unsharedIrqs[i - 1])) {
                throw new IllegalArgumentException("unshared irq guest actions must be ascending irqs below " + Xen.NR_IRQS + ", not "
                        + Arrays.toString(unsharedIrqs));
            }
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
            if (d != null && ds.id() != 0 && (d.vcpuCount() != ds.vcpus() || d.hasVpci() != ds.hasVpci())) {
                xen.dropDomain(d);
                d = null;
            }
            if (d == null) d = xen.restoreDomain(ds.id(), ds.vcpus(), ds.hasVpci(), nextDomid);
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
        for (Assigned a : assigned) map.put(a.device(), byId.get(a.domid()));
        xen.restoreAssigned(map);
        xen.msi().restore(msi); // its bindings name the domains restored above
        xen.msixtbl().restore(msixtbl, xen::domain); // after the irqs: a registered table is found through its msi_descs
        xen.irqActions().restore(unsharedIrqs);
    }

    private static void restoreDomain(Xen xen, Domain d, DomainState ds) {
        d.setCf8Opaque(ds.cf8());
        d.restoreIrqCaps(BitSet.valueOf(ds.irqCaps()));
        d.pirqs().restore(ds.pirqs());
        d.p2m().restore(Arrays.asList(ds.p2m()));
        d.ram().restore(ds.ramEnd(), Arrays.asList(ds.ramLost()));
        d.ioPorts().restore(ds.ioportCaps(), Arrays.asList(ds.ioports()));
        d.iomem().restore(ds.iomemCaps());
        Map<Sbdf, HeaderState> wanted = new HashMap<>();
        for (HeaderState h : ds.vpci()) wanted.put(h.sbdf(), h);
        for (Header h : List.copyOf(d.headers())) {
            HeaderState w = wanted.get(h.sbdf());
            if (w == null || !h.fits(w)) {
                if (h.msix() != null && d.msixTrap != null) d.msixTrap.remove(h.msix()); // cleanup_msix's list_del
                h.vpci().clear();
                d.detach(h.sbdf());
            }
        }
        for (HeaderState hs : ds.vpci()) {
            Header h = d.header(hs.sbdf());
            if (h == null) {
                Vpci vpci = new Vpci(hs.sbdf(), d.id(), xen.bus().function(hs.sbdf().packed()), d.isHardwareDomain());
                h = Header.restore(xen.log(), xen.config(), xen.memoryMap(), d, vpci, hs);
                // The MSI/MSI-X handlers, as vpci_assign_device builds them: reads only (the capability list and
                // Message Control's read-only bits); their contents come from the state below.
                VpciCapabilities.restore(xen, h, Header.msixTrapped(hs));
                d.attach(hs.sbdf(), vpci, h);
            } else {
                h.restoreBars(hs);
            }
            restoreMsi(h, hs);
        }
        d.msiReceipts().restore(ds.receipts());
        if (d.interrupts() != null) {
            d.interrupts().vioapic().importState(ds.vioapic());
            d.interrupts().restoreBindings(ds.bindings());
        }
    }

    /** vPCI's MSI and MSI-X contents (VpciMsiState refuses a part the device does not trap). */
    private static void restoreMsi(Header h, HeaderState hs) {
        if (hs.msi() != null) hs.msi().restoreInto(h);
    }

    public void hashInto(StateHash h) {
        h.put(nextDomid).put(programmedGsis).put(routingVector).put(dom0VioApics.length);
        for (long[] w : dom0VioApics) h.put(w);
        h.put(assigned.length);
        for (Assigned a : assigned) h.put(a.device().packed()).put(a.domid());
        h.put(domains.length);
        for (DomainState d : domains) {
            h.put(d.id()).put(d.kind().ordinal()).put(d.vcpus()).put(d.hasVpci()).put(d.cf8()).put(d.irqCaps()).put(d.pirqs().length);
            for (PirqTable.Mapping m : d.pirqs()) h.put(m.pirq()).put(m.irq()).put(m.type().ordinal()).put(m.bound());
            h.put(d.p2m().length);
            for (P2m.Range r : d.p2m()) h.put(r.gfn()).put(r.pages()).put(r.mfn()).put(r.owner().device().packed()).put(r.owner().bar());
            h.put(d.iomemCaps());
            h.put(d.ramEnd()).put(d.ramLost().length);
            for (GuestRam.Lost l : d.ramLost()) h.put(l.gfn()).put(l.pages()).put(l.owner().device().packed()).put(l.owner().bar());
            h.put(d.ioportCaps()).put(d.ioports().length);
            for (IoPorts.Range r : d.ioports()) h.put(r.gport()).put(r.mport()).put(r.ports()).put(r.owner().device().packed()).put(r.owner().bar());
            h.put(d.vpci().length);
            for (HeaderState x : d.vpci()) {
                h.put(x.sbdf().packed()).put(x.headerType()).put(x.romEnabled()).put(x.barsMapped()).put(x.barCount());
                for (BarState.Saved b : x.bars()) hash(h, b);
                hash(h, x.rom());
                VpciMsiState v = x.msi();
                VpciMsiState.Msi m = v == null ? null : v.msi();
                h.put(m != null);
                if (m != null) h.put(m.address()).put(m.data()).put(m.mask()).put(m.vectors()).put(m.enabled()).put(m.pirq()).put(m.bound());
                VpciMsiState.Msix mx = v == null ? null : v.msix();
                h.put(mx != null);
                if (mx != null) {
                    h.put(mx.enabled()).put(mx.masked()).put(mx.entries().size());
                    for (VpciMsiState.Entry e : mx.entries()) h.put(e.address()).put(e.data()).put(e.masked()).put(e.updated()).put(e.pirq());
                }
            }
            h.put(d.receipts().counts()).put(d.receipts().destinations()).put(d.receipts().roundRobinPrev());
            h.put(d.vioapic());
            if (d.bindings() != null) {
                h.put(d.bindings().length);
                for (GuestInterrupts.Binding b : d.bindings()) h.put(b.pirq()).put(b.machineIrq()).put(b.guestDevice()).put(b.intx()).put(b.guestGsi());
            } else {
                h.put(-1);
            }
        }
        hash(h, msi);
        h.put(unsharedIrqs);
        h.put(msixtbl.entries().length);
        for (Msixtbl.Entry e : msixtbl.entries()) {
            h.put(e.domid()).put(e.sbdf().packed()).put(e.gtable()).put(e.entries()).put(e.refcnt()).put(e.flags()).put(e.shadow()).put(e.accValid());
        }
    }

    private static void hash(StateHash h, MsiIrqs.State m) {
        h.put(m.descs().length);
        for (MsiIrqs.DescState d : m.descs()) {
            h.put(d.irq()).put(d.sbdf().packed()).put(d.msix()).put(d.pos()).put(d.entryNr()).put(d.nvec()).put(d.is64()).put(d.maskbit())
                    .put(d.mpos()).put(d.entryAddress()).put(d.tableBase()).put(d.vector()).put(d.destApic()).put(d.ownerId())
                    .put(d.hostMasked()).put(d.guestMasked());
        }
        h.put(m.createdIrqs()).put(m.creators()).put(m.msix().length);
        for (MsiIrqs.MsixDeviceState x : m.msix()) h.put(x.sbdf().packed()).put(x.usedEntries()).put(x.hostMaskall()).put(x.guestMaskall());
        h.put(m.currentVector()).put(m.currentOffset()).put(m.bindings().length);
        for (MsiIrqs.Binding b : m.bindings()) h.put(b.domid()).put(b.pirq()).put(b.irq()).put(b.gvec()).put(b.gflags()).put(b.gtable());
    }

    private static void hash(StateHash h, BarState.Saved b) {
        h.put(b.type().ordinal()).put(b.address()).put(b.size()).put(b.prefetchable()).put(b.enabled()).put(b.guestAddress());
    }
}
