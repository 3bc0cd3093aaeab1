package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vdm.errno.Errno;
import vdm.pci.Sbdf;
import vdm.pci.Access;

/**
 * The hypervisor: domains, each device's vPCI in the domain that owns it, and the trapped configuration accesses
 * (the CF8/CFC mechanism with a per-domain latch, and ECAM) that reach them. The hardware domain is dom0 (PV or
 * PVH); a PVH dom0 reaches devices through vPCI, a PV dom0 directly.
 */
public final class Xen {
    public static final int NR_PIRQS = 1024;
    public static final int NR_IRQS = 1024;

    private final XenConfig config;
    private final PciBus bus;
    private final XenLog log = new XenLog();
    private final IoApicRouting routing;
    private final PhysdevOps physdev;
    private final Domctls domctls;
    private final java.util.List<HypercallListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile java.util.List<vdm.ioapic.IoApic> dom0VioApics = List.of();
    private final Map<Integer, Domain> domains = new TreeMap<>();
    private volatile Domain dom0;
    private int nextDomid = 1;

    /** A hypervisor over a PCI bus with no interrupt controllers (enough for config-space work). */
    public Xen(XenConfig config, PciBus bus) {
        this(config, bus, null, -1);
    }

    /**
     * @param physical the host's IO-APICs as the MADT lays them out (null: none)
     * @param sciGsi   the ACPI SCI's GSI (FADT), or -1
     */
    public Xen(XenConfig config, PciBus bus, vdm.ioapic.GsiSpace physical, int sciGsi) {
        this.config = config;
        this.bus = bus;
        this.routing = physical == null ? null : new IoApicRouting(physical, sciGsi, log);
        this.physdev = new PhysdevOps(this);
        this.domctls = new Domctls(this);
    }

    /** A hypervisor on a host: its PCI functions, its IO-APICs as the MADT lays them out, and its SCI. */
    public static Xen onHost(XenConfig config, vdm.host.Host host) {
        int sci = host.madt().sciIfAny().map(vdm.host.Sci::gsi).orElse(-1);
        return new Xen(config, new HostBus(host), host.gsiSpace(), sci);
    }

    public IoApicRouting routing() { return routing; }
    public PhysdevOps physdev() { return physdev; }
    public Domctls domctls() { return domctls; }

    /** Told of every hypercall with its arguments and result (for traces). */
    public interface HypercallListener {
        void hypercall(Domain caller, String name, String arguments, int result);
    }

    public void addHypercallListener(HypercallListener l) {
        listeners.add(l);
    }

    int traced(Domain caller, String name, int result, String format, Object... args) {
        if (!listeners.isEmpty()) {
            String a = String.format(format, args);
            for (HypercallListener l : listeners) l.hypercall(caller, name, a, result);
        }
        return result;
    }

    /**
     * Where the physical IO-APICs deliver: Xen finds the pirq bound to that GSI and injects it into the guest that
     * holds it (Xen's do_IRQ -> __do_IRQ_guest -> hvm_pci_intx_assert).
     */
    public void physicalInterrupt(vdm.ioapic.IoApic source, int pin, long address, int data) {
        int gsi = source.gsiBase() + pin;
        for (Domain d : domains()) {
            if (d.guestInterrupts != null && d.guestInterrupts.deliverMachineIrq(gsi)) return;
        }
    }

    /** dom0's virtual IO-APICs (PVH only): one per host IO-APIC, same pins and GSI base, version 0x11. */
    public List<vdm.ioapic.IoApic> dom0VioApics() {
        return dom0VioApics;
    }

    public XenConfig config() { return config; }
    public XenLog log() { return log; }
    public PciBus bus() { return bus; }
    public Domain dom0() { return dom0; }

    public synchronized Domain domain(int domid) {
        return domains.get(domid);
    }

    public synchronized List<Domain> domains() {
        return new ArrayList<>(domains.values());
    }

    /**
     * Boots dom0, the hardware domain. A PVH dom0 gets a vPCI with the header handlers on every host function (Xen's
     * vpci_assign_device at pci_add_device); a PV dom0 gets none. Dom0 may use every irq.
     */
    public synchronized Domain createDom0(Domain.Kind kind, int vcpus) {
        if (dom0 != null) throw new IllegalStateException("dom0 exists already");
        if (kind == Domain.Kind.HVM) throw new IllegalArgumentException("dom0 is PV or PVH, not " + kind);
        Domain d = new Domain(0, kind, true, vcpus, NR_PIRQS, NR_IRQS);
        d.permitIrqs(1, NR_IRQS);
        domains.put(0, d);
        dom0 = d;
        if (kind == Domain.Kind.PVH) {
            if (routing != null) dom0VioApics = HwdomVioapics.build(this, d);
            for (Sbdf sbdf : bus.functions()) {
                int rc = addVpci(d, sbdf);
                if (rc != 0) log.warn(-1, "%s: vPCI initialisation failed: %d", sbdf, rc);
            }
        }
        return d;
    }

    /** Creates an HVM domU (XEN_DOMCTL_createdomain) with its virtual IO-APIC (48 pins, version 0x11). */
    public synchronized Domain createDomain(int vcpus) {
        if (dom0 == null) throw new IllegalStateException("no dom0 yet: boot dom0 first");
        Domain d = new Domain(nextDomid++, Domain.Kind.HVM, false, vcpus, NR_PIRQS, NR_IRQS);
        d.guestInterrupts = new GuestInterrupts(this, d);
        domains.put(d.id(), d);
        return d;
    }

    /** XEN_DOMCTL_destroydomain: {@code -ESRCH} for an unknown domain, {@code -EPERM} for dom0. */
    public synchronized int destroyDomain(int domid) {
        Domain d = domains.get(domid);
        if (d == null) return -Errno.ESRCH;
        if (d.isHardwareDomain()) return -Errno.EPERM;
        if (!assignedDevices(d).isEmpty()) return -Errno.EBUSY; // the toolstack detaches devices first
        for (Header h : List.copyOf(d.headers())) removeVpci(d, h.sbdf());
        if (d.guestInterrupts != null) d.guestInterrupts.unbindAll();
        domains.remove(domid);
        return 0;
    }

    /** vpci_assign_device: builds the device's vPCI in {@code d} from the hardware's current state. */
    synchronized int addVpci(Domain d, Sbdf sbdf) {
        PciHardware hw = bus.function(sbdf.packed());
        if (hw == null) return -Errno.ENODEV;
        if (d.vpci(sbdf) != null) return -Errno.EEXIST;
        Vpci vpci = new Vpci(sbdf, d.id(), hw, d.isHardwareDomain());
        Header header = Header.init(log, config, d, vpci);
        if (header == null) return -Errno.EINVAL;
        d.attach(sbdf, vpci, header);
        return 0;
    }

    /** vpci_deassign_device: drops the device's vPCI in {@code d}, unmapping what it had mapped. */
    synchronized int removeVpci(Domain d, Sbdf sbdf) {
        Header h = d.header(sbdf);
        if (h == null) return -Errno.ENODEV;
        h.unmapAll();
        h.vpci().clear();
        d.detach(sbdf);
        return 0;
    }

    /**
     * XEN_DOMCTL_assign_device: moves a device from the hardware domain to domU {@code domid}, rebuilding its vPCI
     * there. {@code -ESRCH} unknown domain, {@code -ENODEV} no such device, {@code -EBUSY} already held by a domU,
     * {@code -EINVAL} for the hardware domain as target.
     */
    public synchronized int assignDevice(int domid, Sbdf sbdf) {
        Domain d = domains.get(domid);
        if (d == null) return -Errno.ESRCH;
        if (d.isHardwareDomain()) return -Errno.EINVAL;
        if (bus.function(sbdf.packed()) == null) return -Errno.ENODEV;
        Domain owner = owner(sbdf);
        if (owner != null && !owner.isHardwareDomain()) return -Errno.EBUSY;
        if (owner != null) removeVpci(owner, sbdf);
        int rc = addVpci(d, sbdf);
        if (rc != 0 && owner != null) addVpci(owner, sbdf); // leave things as they were
        return rc;
    }

    /** XEN_DOMCTL_deassign_device: returns a device a domU holds to the hardware domain. */
    public synchronized int deassignDevice(int domid, Sbdf sbdf) {
        Domain d = domains.get(domid);
        if (d == null) return -Errno.ESRCH;
        if (d.vpci(sbdf) == null) return -Errno.ENODEV;
        removeVpci(d, sbdf);
        return dom0 != null && dom0.kind() == Domain.Kind.PVH ? addVpci(dom0, sbdf) : 0;
    }

    /** What {@link #assign} did, so that a failed attach can put everything back exactly as it was. */
    public record Assignment(int rc, Domain from, Vpci fromVpci, Header fromHeader, Domain to) {}

    private final Map<Sbdf, Domain> assigned = new java.util.HashMap<>();

    /**
     * XEN_DOMCTL_assign_device for an HVM guest whose device model (QEMU) emulates config space: the device leaves
     * the hardware domain's vPCI (dom0 then reaches it directly, as Xen lets the hardware domain do) and belongs to
     * {@code domid}. Errors as {@link #assignDevice}.
     */
    public synchronized Assignment assign(int domid, Sbdf sbdf) {
        Domain d = domains.get(domid);
        if (d == null) return new Assignment(-Errno.ESRCH, null, null, null, null);
        if (d.isHardwareDomain()) return new Assignment(-Errno.EINVAL, null, null, null, null);
        if (bus.function(sbdf.packed()) == null) return new Assignment(-Errno.ENODEV, null, null, null, null);
        if (assigned.containsKey(sbdf) || (owner(sbdf) != null && !owner(sbdf).isHardwareDomain())) {
            return new Assignment(-Errno.EBUSY, null, null, null, null);
        }
        Domain from = owner(sbdf);
        Vpci vpci = from == null ? null : from.vpci(sbdf);
        Header header = from == null ? null : from.header(sbdf);
        if (from != null) {
            header.unmapAll();
            from.detach(sbdf);
        }
        assigned.put(sbdf, d);
        return new Assignment(0, from, vpci, header, d);
    }

    /** Undoes {@link #assign}: the same vPCI objects go back, so the hardware domain's cache is what it was. */
    public synchronized void undoAssign(Assignment a, Sbdf sbdf) {
        if (a.rc() != 0) return;
        assigned.remove(sbdf);
        if (a.from() != null) a.from().attach(sbdf, a.fromVpci(), a.fromHeader());
    }

    /**
     * XEN_DOMCTL_deassign_device for a device {@link #assign}ed to an HVM guest: it returns to the hardware domain,
     * whose vPCI is rebuilt from the hardware (a PVH dom0; a PV dom0 has none).
     */
    public synchronized int deassign(int domid, Sbdf sbdf) {
        Domain d = domains.get(domid);
        if (d == null) return -Errno.ESRCH;
        if (assigned.get(sbdf) != d) return -Errno.ENODEV;
        assigned.remove(sbdf);
        return dom0 != null && dom0.kind() == Domain.Kind.PVH ? addVpci(dom0, sbdf) : 0;
    }

    /** The HVM guest a device is assigned to through {@link #assign}, or null. */
    public synchronized Domain assignedTo(Sbdf sbdf) {
        return assigned.get(sbdf);
    }

    /** Devices assigned to a domain through {@link #assign}. */
    public synchronized List<Sbdf> assignedDevices(Domain d) {
        return assigned.entrySet().stream().filter(e -> e.getValue() == d).map(Map.Entry::getKey).sorted().toList();
    }

    /**
     * XEN_DOMCTL_memory_mapping {domid, first_gfn, first_mfn, nr_mfns, add}: the device model maps a guest BAR onto
     * the host BAR. Only the hardware domain may; unknown domain {@code -ESRCH}; an overlap {@code -EEXIST}.
     */
    public int memoryMapping(Domain caller, int domid, long gfn, long mfn, long frames, boolean add, P2m.Owner owner) {
        int rc;
        Domain d = domain(domid);
        if (d == null) rc = -Errno.ESRCH;
        else if (!caller.isHardwareDomain()) rc = -Errno.EPERM;
        else if (add) rc = d.p2m().map(gfn << P2m.PAGE_SHIFT, frames << P2m.PAGE_SHIFT, mfn << P2m.PAGE_SHIFT, owner);
        else rc = d.p2m().unmap(gfn << P2m.PAGE_SHIFT, frames << P2m.PAGE_SHIFT);
        return traced(caller, "XEN_DOMCTL_memory_mapping", rc, "domid=%d gfn=0x%x mfn=0x%x nr=%d add=%d", domid, gfn, mfn,
                frames, add ? 1 : 0);
    }

    // ---- snapshot support (XenState)

    synchronized int nextDomid() {
        return nextDomid;
    }

    /** Creates a domU with a given id (a snapshot load), moving the id cursor past it. */
    synchronized Domain restoreDomain(int id, int vcpus, int nextId) {
        Domain d = new Domain(id, Domain.Kind.HVM, false, vcpus, NR_PIRQS, NR_IRQS);
        d.guestInterrupts = new GuestInterrupts(this, d);
        domains.put(id, d);
        nextDomid = nextId;
        return d;
    }

    /** Forgets a domU without tearing anything down in the hardware (a state restore, which restores the host apart). */
    synchronized void dropDomain(Domain d) {
        if (d.isHardwareDomain()) throw new IllegalArgumentException("dom0 cannot be dropped");
        for (Header h : List.copyOf(d.headers())) {
            h.vpci().clear();
            d.detach(h.sbdf());
        }
        assigned.values().removeIf(x -> x == d);
        domains.remove(d.id());
    }

    synchronized void restoreNextDomid(int next) {
        nextDomid = next;
    }

    synchronized void restoreAssigned(Map<Sbdf, Domain> saved) {
        assigned.clear();
        assigned.putAll(saved);
    }

    synchronized Map<Sbdf, Domain> assignedMap() {
        return new java.util.HashMap<>(assigned);
    }

    /** The domain whose vPCI holds the device, or null. */
    public synchronized Domain owner(Sbdf sbdf) {
        for (Domain d : domains.values()) if (d.vpci(sbdf) != null) return d;
        return null;
    }

    // ---- trapped configuration accesses

    /** A port I/O access by a vCPU of {@code d}: 0xcf8 (the latch, dword only) or 0xcfc..0xcff (data). */
    public int ioRead(Vcpu vcpu, int port, int size) {
        Domain d = vcpu.domain();
        if ((port & ~3) == 0xcfc) { // the data port first: it is the hot one
            int latch = d.cf8();
            if (size != 1 && size != 2 && size != 4) throw new vdm.pci.ConfigAccessException(port, size, "size must be 1, 2 or 4");
            if (latch >= 0 || (port & (size - 1)) != 0) return Access.ones(size); // bit 31 clear, or misaligned
            int reg = (latch & 0xfc) | ((latch >>> 16) & 0xf00) | (port & 3); // AMD extended register bits 27:24
            return readValid(d, latch >>> 8 & 0xffff, reg, size); // aligned and below 4096 by construction
        }
        if (port == 0xcf8 && size == 4) return d.cf8();
        return Access.ones(size);
    }

    public void ioWrite(Vcpu vcpu, int port, int size, int value) {
        Domain d = vcpu.domain();
        if (port == 0xcf8 && size == 4) {
            d.cf8(value);
            return;
        }
        if (port >= 0xcfc && port <= 0xcff) {
            int latch = d.cf8();
            if (latch >= 0 || ((port & 3) & (size - 1)) != 0) return;
            int reg = (latch & 0xfc) | ((latch >>> 16) & 0xf00) | (port & 3);
            configWrite(vcpu, latch >>> 8 & 0xffff, reg, size, value);
        }
    }

    /** An ECAM (MMCFG) access: {@code offset} within segment 0's window, bus << 20 | devfn << 12 | register. */
    public int ecamRead(Vcpu vcpu, int offset, int size) {
        return configRead(vcpu, offset >>> 12, offset & 0xfff, size);
    }

    public void ecamWrite(Vcpu vcpu, int offset, int size, int value) {
        configWrite(vcpu, offset >>> 12, offset & 0xfff, size, value);
    }

    /** {@code busDevfn} = bus << 8 | devfn on segment 0. */
    public int configRead(Vcpu vcpu, int busDevfn, int reg, int size) {
        Access.check(reg, size);
        return readValid(vcpu.domain(), busDevfn, reg, size);
    }

    private int readValid(Domain d, int busDevfn, int reg, int size) {
        Vpci vpci = d.vpci(busDevfn);
        if (vpci != null) return vpci.readValid(reg, size);
        if (d.isHardwareDomain()) {
            PciHardware hw = bus.function(busDevfn);
            if (hw != null) return hw.read(reg, size);
        }
        return Access.ones(size);
    }

    public void configWrite(Vcpu vcpu, int busDevfn, int reg, int size, int value) {
        Domain d = vcpu.domain();
        Vpci vpci = d.vpci(busDevfn);
        if (vpci != null) {
            vpci.write(vcpu, reg, size, value);
            vcpu.resume(); // the deferred mapping is done before the vCPU returns to the guest
            return;
        }
        if (d.isHardwareDomain()) {
            PciHardware hw = bus.function(busDevfn);
            if (hw != null) {
                hw.write(reg, size, value);
                return;
            }
        }
        Access.check(reg, size);
    }
}
