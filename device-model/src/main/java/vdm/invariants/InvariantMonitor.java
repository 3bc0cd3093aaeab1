package vdm.invariants;


import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import vdm.system.Machine;
import vdm.system.Trace;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.ioapic.RedirectionEntry;
import vdm.toolstack.XenPtDevice;
import vdm.xen.BarState;
import vdm.xen.Domain;
import vdm.xen.Header;
import vdm.xen.IoPorts;
import vdm.pci.layout.BarKind;
import vdm.xen.P2m;
import vdm.xen.PirqTable;

/**
 * The copies of the truth that passthrough keeps in each layer, checked against each other (issue 7). Each check
 * returns the violations it finds; an empty list means the layers agree.
 * <ul>
 *   <li>{@code vpci-cache}: vPCI's cached BAR address and {@code enabled} flag agree with what the device decodes, and
 *       its {@code bars_mapped} with what dom0's p2m maps of the device;</li>
 *   <li>{@code p2m-decoded}: every p2m range of a domain is decoded, at that machine address, by a device it holds;</li>
 *   <li>{@code p2m-exclusive}: no machine frame is mapped into two domains;</li>
 *   <li>{@code ioport-decoded}: every guest IO port range is decoded, at that machine port, by an IO BAR of a device
 *   the guest holds, and the guest is permitted those ports; no machine port is mapped into two guests;</li>
 *   <li>{@code pirq-registered}: every GSI pirq maps a GSI whose pin was set up;</li>
 *   <li>{@code ioapic-programmed}: a physical IO-APIC pin is programmed exactly when its GSI was set up;</li>
 *   <li>{@code dom0-gsi-current}: the GSI dom0 cached for a device (pciback's, v4's sysfs) is what _PRT resolves now;</li>
 *   <li>{@code permissions}: the irqs a guest may use are those of the devices it holds, and the machine frames it may
 *       map lie within those devices' memory BARs and ROMs;</li>
 *   <li>{@code guest-ram}: a guest still has all its RAM below 4 GiB (no MMIO mapping replaced any of it);</li>
 *   <li>the MSI and MSI-X invariants of {@link MsiInvariants}.</li>
 * </ul>
 */
public final class InvariantMonitor {
    private InvariantMonitor() {}

    /**
     * Checks every invariant after each step of a machine and records in its trace each violation when it first
     * appears ("after" the step that caused it); one that heals and comes back is reported again.
     */
    public static final Machine.StepMonitor TRACING = machine -> {
        if (!machine.trace().recording()) return null; // nowhere to report: checking would only cost
        java.util.Set<String> known = new java.util.HashSet<>();
        return step -> {
            java.util.Set<String> now = new java.util.HashSet<>();
            for (Violation v : check(machine)) {
                String key = v.invariant() + "|" + v.where();
                now.add(key);
                if (known.add(key)) machine.trace().add(Trace.Source.INVARIANT, Trace.Verdict.FAILED, v.toString(), "after " + step, 0);
            }
            known.retainAll(now);
        };
    };

    public static List<Violation> check(Machine vdm) {
        List<Violation> out = new ArrayList<>();
        vpciCache(vdm, out);
        p2m(vdm, out);
        ioports(vdm, out);
        pirqs(vdm, out);
        ioapic(vdm, out);
        dom0Gsi(vdm, out);
        permissions(vdm, out);
        guestRam(vdm, out);
        MsiInvariants.check(vdm, out);
        return out;
    }

    public static void vpciCache(Machine vdm, List<Violation> out) {
        Domain dom0 = vdm.dom0();
        if (dom0 == null) return;
        for (Header h : dom0.headers()) {
            PhysicalFunction f = vdm.host().require(h.sbdf());
            for (int n = 0; n < h.barCount(); n++) {
                BarState b = h.bar(n);
                if (b.type() != BarState.Type.MEM32 && b.type() != BarState.Type.MEM64_LO) continue;
                boolean decodes = f.barDecodes(n);
                if (b.enabled() != decodes) {
                    out.add(new Violation("vpci-cache", h.sbdf() + " BAR" + n, "enabled=" + decodes + " (the device " + (decodes ? "decodes" : "decodes nothing") + ")",
                            "enabled=" + b.enabled()));
                } else if (decodes && b.address() != f.barAddress(n)) {
                    out.add(new Violation("vpci-cache", h.sbdf() + " BAR" + n, String.format("address 0x%x", f.barAddress(n)), String.format("address 0x%x", b.address())));
                }
            }
            barsMapped(h, dom0.p2m(), out);
        }
    }

    /**
     * Xen's header->bars_mapped against dom0's p2m: while it is set, every memory BAR modify_bars would map (at a
     * valid position) has its range mapped; while it is clear, no BAR of the device is mapped (the ROM is left out:
     * its own enable bit toggles its mapping while the BARs stay mapped).
     */
    private static void barsMapped(Header h, P2m p2m, List<Violation> out) {
        BitSet mapped = new BitSet();
        for (P2m.Range r : p2m.ranges()) {
            if (r.owner().device().equals(h.sbdf()) && r.owner().bar() != P2m.ROM) mapped.set(r.owner().bar());
        }
        for (int n = 0; n < h.barCount(); n++) {
            BarState b = h.bar(n);
            if (b.type() != BarState.Type.MEM32 && b.type() != BarState.Type.MEM64_LO) continue;
            // A BAR wholly covered by its MSI-X table and PBA pages maps nothing (modify_bars leaves them out).
            boolean expected = h.barsMapped() && h.mappableAtHostAddress(n) && h.framesMapped(n) > 0;
            if (mapped.get(n) != expected) {
                out.add(new Violation("vpci-cache", h.sbdf() + " BAR" + n, (expected ? "mapped" : "not mapped") + " (bars_mapped=" + h.barsMapped() + ")",
                        mapped.get(n) ? "mapped in d0's p2m" : "not in d0's p2m"));
            }
        }
    }

    /** Machine frames {@code first..last} (inclusive) that domain {@code domid} maps, and which of its p2m ranges ({@code where}). */
    private record MachineFrames(long first, long last, int domid, String where) {}

    public static void p2m(Machine vdm, List<Violation> out) {
        List<MachineFrames> machine = new ArrayList<>();
        for (Domain d : vdm.xen().domains()) {
            for (P2m.Range r : d.p2m().ranges()) {
                P2m.Owner owner = r.owner();
                Sbdf sbdf = owner.device();
                PhysicalFunction f = vdm.host().require(sbdf);
                long decoded = -1, size = 0;
                if (owner.bar() == P2m.ROM) {
                    if (f.romDecodes()) {
                        decoded = f.romAddress();
                        size = f.romSize();
                    }
                } else if (f.barDecodes(owner.bar())) {
                    decoded = f.barAddress(owner.bar());
                    size = f.barSize(owner.bar());
                }
                String where = "d" + d.id() + " " + owner;
                // A BAR's mapping may be split around its MSI-X table and PBA pages (modify_bars leaves them out):
                // each range must lie inside the frames the device decodes, the first at the BAR's start.
                long first = decoded >>> P2m.PAGE_SHIFT, end = (decoded + size + (1L << P2m.PAGE_SHIFT) - 1) >>> P2m.PAGE_SHIFT;
                if (decoded < 0 || r.mfn() < first || r.mfn() + r.pages() > end) {
                    out.add(new Violation("p2m-decoded", where, String.format("machine 0x%x decoded by the device", r.machineAddress()),
                            decoded < 0 ? "the device decodes nothing there" : String.format("the device decodes it at 0x%x", decoded)));
                }
                boolean holds = d.isHardwareDomain() ? vdm.xen().assignedTo(sbdf) == null : vdm.xen().assignedTo(sbdf) == d;
                if (!holds) out.add(new Violation("p2m-decoded", where, "a device d" + d.id() + " holds", "held by another domain"));
                machine.add(new MachineFrames(r.mfn(), r.mfn() + r.pages() - 1, d.id(), where));
            }
        }
        // Overlaps between domains, by sorted intervals (a 256 MiB BAR is 65,536 frames: no per-frame walk).
        overlapsBetweenDomains(machine, "p2m-exclusive", "machine frame 0x%x", out);
    }

    /** Each machine range of one domain that overlaps another domain's, as a violation of {@code invariant}. */
    private static void overlapsBetweenDomains(List<MachineFrames> machine, String invariant, String whereFormat, List<Violation> out) {
        machine.sort((a, b) -> Long.compare(a.first(), b.first()));
        for (int i = 0; i < machine.size(); i++) {
            MachineFrames a = machine.get(i);
            for (int j = i + 1; j < machine.size() && machine.get(j).first() <= a.last(); j++) {
                MachineFrames b = machine.get(j);
                if (a.domid() != b.domid()) {
                    out.add(new Violation(invariant, String.format(whereFormat, b.first()), "one domain", a.where() + " and " + b.where()));
                }
            }
        }
    }

    /** The IO twin of {@link #p2m}: XEN_DOMCTL_ioport_mapping's ranges against the devices' IO decoding. */
    public static void ioports(Machine vdm, List<Violation> out) {
        List<MachineFrames> machine = new ArrayList<>();
        for (Domain d : vdm.xen().domains()) {
            for (IoPorts.Range r : d.ioPorts().ranges()) {
                P2m.Owner owner = r.owner();
                PhysicalFunction f = vdm.host().require(owner.device());
                String where = "d" + d.id() + " " + owner + " ports";
                long decoded = owner.bar() != P2m.ROM && f.barKind(owner.bar()) == BarKind.IO && f.barDecodes(owner.bar())
                        ? f.barAddress(owner.bar()) : -1;
                if (decoded != r.mport()) {
                    out.add(new Violation("ioport-decoded", where, String.format("machine port 0x%x decoded by the device", r.mport()),
                            decoded < 0 ? "the device decodes no IO there" : String.format("the device decodes it at 0x%x", decoded)));
                }
                if (vdm.xen().assignedTo(owner.device()) != d) out.add(new Violation("ioport-decoded", where, "a device d" + d.id() + " holds", "held by another domain"));
                if (!d.ioPorts().permitted(r.mport(), r.mport() + r.ports() - 1)) {
                    out.add(new Violation("ioport-decoded", where, "ports permitted (ioport_caps)", "not permitted"));
                }
                machine.add(new MachineFrames(r.mport(), r.mport() + r.ports() - 1, d.id(), where));
            }
        }
        overlapsBetweenDomains(machine, "ioport-decoded", "machine port 0x%x", out);
    }

    public static void pirqs(Machine vdm, List<Violation> out) {
        if (vdm.xen().routing() == null) return;
        for (Domain d : vdm.xen().domains()) {
            for (PirqTable.Mapping m : d.pirqs().mappings()) {
                if (m.type() != PirqTable.Type.GSI) continue;
                if (!vdm.xen().routing().programmed(m.irq())) {
                    out.add(new Violation("pirq-registered", "d" + d.id() + " pirq " + m.pirq(), "GSI " + m.irq() + " set up", "GSI " + m.irq() + " never set up"));
                }
            }
        }
    }

    public static void ioapic(Machine vdm, List<Violation> out) {
        var routing = vdm.xen().routing();
        if (routing == null) return;
        for (int gsi = 0; gsi < routing.gsiLimit(); gsi++) {
            if (!routing.physical().serves(gsi)) continue;
            boolean programmed = RedirectionEntry.vector(routing.physical().entry(gsi)) != 0;
            if (programmed != routing.programmed(gsi)) {
                out.add(new Violation("ioapic-programmed", "GSI " + gsi, "programmed=" + routing.programmed(gsi), "programmed=" + programmed));
            }
        }
    }

    public static void dom0Gsi(Machine vdm, List<Violation> out) {
        for (Sbdf s : vdm.kernel().pciback().devices()) {
            int cached = vdm.kernel().pciback().gsi(s);
            if (cached < 0) continue;
            int now = vdm.host().route(s).map(IntxRoute::gsi).orElse(-1);
            if (cached != now) out.add(new Violation("dom0-gsi-current", s + " (pciback)", "GSI " + now + " (_PRT now)", "GSI " + cached));
        }
        for (PhysicalFunction f : vdm.host().functions()) {
            var sysfsGsi = vdm.kernel().sysfs(f.sbdf()).gsi();
            if (sysfsGsi.isEmpty()) continue;
            int now = vdm.host().route(f.sbdf()).map(IntxRoute::gsi).orElse(-1);
            if (sysfsGsi.get() != now) out.add(new Violation("dom0-gsi-current", f.sbdf() + " (sysfs gsi)", "GSI " + now + " (_PRT now)", "GSI " + sysfsGsi.get()));
        }
    }

    /** A sysfs resource line's IORESOURCE_IO flag (include/linux/ioport.h). */
    private static final long IORESOURCE_IO = 0x100;

    private static void appendRange(StringBuilder sb, long from, long to) {
        if (!sb.isEmpty()) sb.append(", ");
        sb.append(String.format("%#x-%#x", from, to));
    }

    public static void permissions(Machine vdm, List<Violation> out) {
        for (Domain d : vdm.xen().domains()) {
            if (d.isHardwareDomain()) continue;
            BitSet want = new BitSet();
            for (XenPtDevice pt : vdm.libxl().devices(d.id())) {
                if (pt.machineIrq() != 0) want.set(d.pirqs().irq(pt.machineIrq()));
            }
            for (PirqTable.Mapping m : d.pirqs().mappings()) want.set(m.irq()); // a mapped pirq carries its permission (map_domain_pirq)
            if (!d.irqCaps().equals(want)) out.add(new Violation("permissions", "d" + d.id(), "irqs " + want, "irqs " + d.irqCaps()));
            iomem(vdm, d, out);
        }
    }

    /**
     * A guest's iomem permissions (d->iomem_caps) cover only frames of the memory BARs and ROMs of devices Xen has
     * assigned to it, as dom0 placed them (their sysfs resource lines, which libxl grants at attach): a frame left over
     * from a device it gave back is a guest that can still map that device's registers (XSA-476).
     */
    private static void iomem(Machine vdm, Domain d, List<Violation> out) {
        long[] granted = d.iomem().capRanges();
        if (granted.length == 0) return;
        List<long[]> held = new ArrayList<>();
        for (Sbdf s : vdm.xen().assignedDevices(d)) {
            for (var r : vdm.kernel().sysfs(s).regions()) {
                if (r.start() == 0 || (r.flags() & IORESOURCE_IO) != 0) continue;
                held.add(new long[] {r.start() >>> P2m.PAGE_SHIFT, r.end() >>> P2m.PAGE_SHIFT});
            }
        }
        held.sort((x, y) -> Long.compare(x[0], y[0]));
        StringBuilder extra = new StringBuilder();
        for (int i = 0; i < granted.length; i += 2) {
            long from = granted[i], to = granted[i + 1];
            for (long[] h : held) { // ordered by first frame: walk the granted range past each held one it meets
                if (h[1] < from) continue;
                if (h[0] > to) break;
                if (h[0] > from) appendRange(extra, from, h[0] - 1);
                from = Math.max(from, h[1] + 1);
            }
            if (from <= to) appendRange(extra, from, to);
        }
        if (!extra.isEmpty()) {
            out.add(new Violation("permissions", "d" + d.id(), "iomem only within the BARs of the devices it holds",
                    "iomem frames " + extra + " granted beyond them"));
        }
    }

    /**
     * A guest's RAM below 4 GiB is all there: XEN_DOMCTL_memory_mapping over RAM replaces it and taking the mapping out
     * leaves nothing (set_typed_p2m_entry, clear_mmio_p2m_entry), so a frame once covered stays lost (GuestRam).
     */
    public static void guestRam(Machine vdm, List<Violation> out) {
        for (Domain d : vdm.xen().domains()) {
            for (vdm.xen.GuestRam.Lost l : d.ram().lost()) {
                out.add(new Violation("guest-ram", String.format("d%d gfn 0x%x-0x%x", d.id(), l.gfn(), l.gfn() + l.pages() - 1), "RAM in the p2m",
                        "replaced by " + l.owner() + "'s XEN_DOMCTL_memory_mapping and not restored: the guest faults there"));
            }
        }
    }
}
