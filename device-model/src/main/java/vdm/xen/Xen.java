package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import vdm.errno.Errno;
import vdm.host.Host;
import vdm.host.Sci;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.IoApic;
import vdm.pci.Sbdf;

/**
 * The hypervisor: its domains, who holds each device ({@link DeviceAssignment}), the trapped configuration accesses
 * ({@link ConfigTraps}), interrupt routing, physdev ops and domctls. The hardware domain is dom0 (PV or PVH); a PVH
 * dom0 reaches devices through vPCI, a PV dom0 directly.
 *
 * <p><b>Lock order</b> (a thread holding one may take only those after it): this object (domains, assignment,
 * vPCI set-up and teardown) -> a {@link Vpci} (register dispatch, deferred work) -> a {@link P2m} -> a log ring.
 * Interrupt set-up: this object or a {@link Vpci} (vPCI's MSI handlers) -> the MSI irq lock ({@link MsiIrqs}'
 * monitor, which also serializes MSI bindings and Xen's programming of the devices' MSI and MSI-X, and never takes
 * this object's lock) -> {@link Msixtbl} -> the target domain's {@link PirqTable} -> other domains' tables, one at a
 * time and only to read. A {@link Vcpu}'s and a {@link Domain}'s own monitors are leaves,
 * held for a field or two. The trapped read path
 * and interrupt delivery take none of them.
 */
public final class Xen {
    public static final int NR_PIRQS = 1024;
    public static final int NR_IRQS = 1024;

    private final XenConfig config;
    private volatile MemoryMap memoryMap = MemoryMap.EMPTY; // set once by onHost, before any domain exists
    private final PciBus bus;
    private final XenLog log = new XenLog();
    private final IoApicRouting routing;
    private final IrqGuestActions irqActions = new IrqGuestActions(this);
    private final PhysdevOps physdev;
    private final Domctls domctls;
    private final ConfigTraps traps;
    private final DeviceAssignment assignment = new DeviceAssignment(this);
    private final MsiIrqs msi = new MsiIrqs(this);
    private final Msixtbl msixtbl = new Msixtbl(this);
    private final List<HypercallListener> listeners = new CopyOnWriteArrayList<>();
    private volatile List<IoApic> dom0VioApics = List.of();
    private final Map<Integer, Domain> domains = new TreeMap<>();
    /**
     * The HVM guests' interrupt sides, for delivery: replaced whole (under this object's lock) when a guest comes or
     * goes, read without a lock by {@link #physicalInterrupt}; the volatile write and read order the array's contents.
     */
    private volatile GuestInterrupts[] guests = new GuestInterrupts[0];
    private volatile Domain dom0;
    private int nextDomid = 1;
    /** How many PCI segments the host has (one MMCFG region each): the extent of every domain's vPCI table. */
    private final int segments;

    /** A hypervisor over a PCI bus with no interrupt controllers (enough for config-space work). */
    public Xen(XenConfig config, PciBus bus) {
        this(config, bus, null, -1);
    }

    /**
     * @param physical the host's IO-APICs as the MADT lays them out (null: none)
     * @param sciGsi   the ACPI SCI's GSI (FADT), or -1
     */
    public Xen(XenConfig config, PciBus bus, GsiSpace physical, int sciGsi) {
        this.config = config;
        this.bus = bus;
        this.routing = physical == null ? null : new IoApicRouting(physical, sciGsi, log);
        this.physdev = new PhysdevOps(this);
        this.domctls = new Domctls(this);
        this.traps = new ConfigTraps(bus);
        int top = 0;
        for (Sbdf f : bus.functions()) top = Math.max(top, f.segment());
        this.segments = top + 1;
    }

    /** A hypervisor on a host: its PCI functions, its IO-APICs as the MADT lays them out, and its SCI. */
    public static Xen onHost(XenConfig config, Host host) {
        int sci = host.madt().sciIfAny().map(Sci::gsi).orElse(-1);
        Xen xen = new Xen(config, new HostBus(host), host.gsiSpace(), sci);
        xen.memoryMap = MemoryMap.of(host.description().memoryMap()); // the e820 Xen reads at boot
        host.msiTarget((source, address, data) -> xen.msi.message(address, data)); // Xen owns the interrupt window
        return xen;
    }

    /** The host's memory map as Xen read it at boot ({@link MemoryMap#EMPTY} for a bus without a host). */
    public MemoryMap memoryMap() { return memoryMap; }
    public IoApicRouting routing() { return routing; }

    /** dom0_setup_permissions' iomem grant on this host ({@link IomemCaps#hardwareDomainRanges}). */
    public long[] hardwareDomainIomem() {
        return IomemCaps.hardwareDomainRanges(routing == null ? List.of() : routing.physical().ioApics().stream().map(IoApic::address).toList());
    }
    public PhysdevOps physdev() { return physdev; }
    public Domctls domctls() { return domctls; }
    public XenConfig config() { return config; }
    public XenLog log() { return log; }
    public PciBus bus() { return bus; }
    public Domain dom0() { return dom0; }
    public MsiIrqs msi() { return msi; }
    public Msixtbl msixtbl() { return msixtbl; }

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
     * Where the physical IO-APICs deliver: Xen finds the guests bound to that GSI and injects the interrupt into each
     * (do_IRQ -> __do_IRQ_guest, which walks every guest sharing the irq -> hvm_pci_intx_assert). No lock, no
     * allocation: the guests array is read once, each guest's bindings by array index.
     */
    public void physicalInterrupt(IoApic source, int pin, long address, int data) {
        int gsi = source.gsiBase() + pin;
        for (GuestInterrupts g : guests) g.deliverMachineIrq(gsi);
    }

    /** Whether any guest has machine irq {@code irq} bound (a shared GSI stays unmasked until its last guest unbinds). */
    boolean machineIrqBound(int irq) {
        return machineIrqBound(irq, null);
    }

    /** Whether a guest other than {@code except} (null: any) has {@code irq} bound. */
    boolean machineIrqBound(int irq, Domain except) {
        for (GuestInterrupts g : guests) if (g.domain() != except && g.binds(irq)) return true;
        return false;
    }

    /** The IO-APIC irqs' guest actions (pirq_guest_bind's sharing rule). */
    IrqGuestActions irqActions() { return irqActions; }

    /** dom0's virtual IO-APICs (PVH only): one per host IO-APIC, same pins and GSI base, version 0x11. */
    public List<IoApic> dom0VioApics() { return dom0VioApics; }

    public synchronized Domain domain(int domid) {
        return domains.get(domid);
    }

    public synchronized List<Domain> domains() {
        return new ArrayList<>(domains.values());
    }

    /** The domains in id order, for callers already holding this object's lock. */
    Iterable<Domain> domainsUnlocked() {
        return domains.values();
    }

    /** The machine frame a PVH dom0's guest frame 0 holds: 7c24d58a6e's log's ("mfn: 1c1880 type: 0" at 0). */
    static final long DOM0_LOW_RAM_MFN = 0x1c1880;

    DeviceAssignment assignment() { return assignment; }

    /**
     * Boots dom0, the hardware domain. A PVH dom0 gets a vPCI with the header handlers on every host function (Xen's
     * vpci_assign_device at pci_add_device); a PV dom0 gets none. Dom0 may use every irq.
     */
    public synchronized Domain createDom0(Domain.Kind kind, int vcpus) {
        if (dom0 != null) throw new IllegalStateException("dom0 exists already");
        if (kind == Domain.Kind.HVM) throw new IllegalArgumentException("dom0 is PV or PVH, not " + kind);
        Domain d = new Domain(0, kind, true, kind == Domain.Kind.PVH, vcpus, NR_PIRQS, NR_IRQS, segments);
        d.permitIrqs(1, NR_IRQS);
        d.ioPorts().restore(IoPorts.ranges(IoPorts.hardwareDomainCaps()), java.util.List.of());
        d.iomem().restore(hardwareDomainIomem());
        domains.put(0, d);
        dom0 = d;
        for (Sbdf sbdf : bus.functions()) { // Xen learns of each device (alloc_pdev: check_pdev, pdev_msi_init)
            if (!config.pciKeepDecoding()) PdevCheck.check(log, memoryMap, sbdf, bus.function(sbdf.packed()));
            assignment.msiInit(sbdf);
        }
        if (d.hasVpci()) {
            if (routing != null) dom0VioApics = HwdomVioapics.build(this, d);
            for (Sbdf sbdf : bus.functions()) {
                int rc = assignment.addVpci(d, sbdf);
                if (rc != 0) log.warn(-1, "%s: vPCI initialisation failed: %d", sbdf, rc);
            }
            d.populateLowRam(DOM0_LOW_RAM_MFN); // pvh_populate_p2m, after iommu_hwdom_init built the vPCIs above
        }
        return d;
    }

    /**
     * Creates an HVM domU (XEN_DOMCTL_createdomain) with its virtual IO-APIC (48 pins, version 0x11), whose device
     * model (QEMU) emulates the config space of the devices assigned to it: Xen builds no vPCI for them.
     */
    public synchronized Domain createDomain(int vcpus) {
        return createDomain(vcpus, GuestRam.DEFAULT_LOW_END);
    }

    /** An HVM guest whose RAM below 4 GiB ends at {@code lowMemEnd} (hvm_info->low_mem_pgend, as libxl builds it). */
    public synchronized Domain createDomain(int vcpus, long lowMemEnd) {
        return newDomU(new GuestRam(lowMemEnd), nextDomid++, vcpus, false); // a bad size is refused before the domid is taken
    }

    /** Creates a domU for which Xen's vPCI emulates config space ({@code XEN_X86_EMU_VPCI}, as Arm's domUs have). */
    public synchronized Domain createDomainWithVpci(int vcpus) {
        return newDomU(new GuestRam(0), nextDomid++, vcpus, true);
    }

    private Domain newDomU(GuestRam ram, int id, int vcpus, boolean vpci) {
        if (dom0 == null) throw new IllegalStateException("no dom0 yet: boot dom0 first");
        Domain d = new Domain(id, Domain.Kind.HVM, false, vpci, vcpus, NR_PIRQS, NR_IRQS, segments);
        d.guestInterrupts = new GuestInterrupts(this, d);
        d.ram = ram;
        domains.put(id, d);
        publishGuests();
        return d;
    }

    private void publishGuests() {
        guests = domains.values().stream().map(x -> x.guestInterrupts).filter(g -> g != null).toArray(GuestInterrupts[]::new);
    }

    /** XEN_DOMCTL_destroydomain: {@code -ESRCH} for an unknown domain, {@code -EPERM} for dom0. */
    public synchronized int destroyDomain(int domid) {
        Domain d = domains.get(domid);
        if (d == null) return -Errno.ESRCH;
        if (d.isHardwareDomain()) return -Errno.EPERM;
        if (!assignment.assignedDevices(d).isEmpty()) return -Errno.EBUSY; // the toolstack detaches devices first
        if (d.guestInterrupts != null) d.guestInterrupts.unbindAll();
        // free_domain_pirqs (domain_kill): every MSI pirq is unmapped, so no binding outlives the domain and its
        // irqs and vectors are free again. A block's secondary pirqs go with its first, which comes first by number.
        for (PirqTable.Mapping m : d.pirqs().mappings()) {
            if (m.type() == PirqTable.Type.MSI && d.pirqs().irq(m.pirq()) > 0) msi.unmap(dom0, d, m.pirq());
        }
        domains.remove(domid);
        publishGuests();
        return 0;
    }

    // ---- device assignment (one API, for the toolstack and tests alike)

    /**
     * XEN_DOMCTL_assign_device: the device leaves the hardware domain's vPCI (dom0 then reaches it directly, as Xen
     * lets the hardware domain do) and belongs to domU {@code domid}, which gets a vPCI of it if it has vPCI.
     * {@code -ESRCH} unknown domain, {@code -EINVAL} the hardware domain as target, {@code -ENODEV} no such device,
     * {@code -EBUSY} already held by a domU, {@code -EPERM} a host bridge (VT-d's domain_context_mapping).
     */
    public synchronized Assignment assignDevice(int domid, Sbdf sbdf) {
        return assignment.assign(domid, sbdf);
    }

    /**
     * XEN_DOMCTL_assign_device to DOMID_IO (libxl's quarantine): 0, {@code -ENODEV} no such device, {@code -EBUSY}
     * held by a domU. Only the answer is modelled; the device stays where it is.
     */
    public synchronized int quarantineDevice(Sbdf sbdf) {
        return assignment.quarantine(sbdf);
    }

    /** Undoes a successful {@link #assignDevice}: the same vPCI objects go back, so dom0's cache is what it was. */
    public synchronized void undoAssignment(Assignment a) {
        assignment.undo(a);
    }

    /**
     * XEN_DOMCTL_deassign_device: returns a device a domU holds to the hardware domain, whose vPCI is rebuilt from
     * the hardware (a PVH dom0; a PV dom0 has none). {@code -ESRCH} unknown domain, {@code -ENODEV} not held by it.
     */
    public synchronized int deassignDevice(int domid, Sbdf sbdf) {
        return assignment.deassign(domid, sbdf);
    }

    /** The domU a device is assigned to, or null. */
    public synchronized Domain assignedTo(Sbdf sbdf) {
        return assignment.assignedTo(sbdf);
    }

    /** The domU a device is assigned to, or null, without this object's lock (for MSI set-up under later locks). */
    Domain assignedToLockFree(Sbdf sbdf) {
        return assignment.assignedToLockFree(sbdf);
    }

    /** Devices assigned to a domain. */
    public synchronized List<Sbdf> assignedDevices(Domain d) {
        return assignment.assignedDevices(d);
    }

    /** The domain whose vPCI holds the device, or null. */
    public synchronized Domain owner(Sbdf sbdf) {
        return assignment.owner(sbdf);
    }

    /** vpci_deassign_device then vpci_assign_device in the owner: its vPCI rebuilt from the hardware (a reset notice). */
    synchronized int rebuildVpci(Domain owner, Sbdf sbdf) {
        int rc = assignment.removeVpci(owner, sbdf);
        return rc != 0 ? rc : assignment.addVpci(owner, sbdf);
    }

    /** XEN_DOMCTL_memory_mapping: {@link Domctls#memoryMapping}. */
    public int memoryMapping(Domain caller, int domid, long gfn, long mfn, long frames, boolean add, P2m.Owner owner) {
        return domctls.memoryMapping(caller, domid, gfn, mfn, frames, add, owner);
    }

    // ---- a domain's memory accesses (the MMIO a vCPU reaches through its p2m, or an intercept)

    /**
     * A memory read by {@code vcpu} at guest physical {@code gaddr} (size 1, 2, 4 or 8): a page the domain's p2m maps
     * reaches the machine address directly (no exit); otherwise the domain's intercepts are asked in order
     * (hvm_find_io_handler), then its device model's ioreq server; an access nothing claims reads all ones.
     */
    public long mmioRead(Vcpu vcpu, long gaddr, int size) {
        checkMemorySize(gaddr, size);
        Domain d = vcpu.domain();
        long maddr = d.p2m().translate(gaddr);
        if (maddr >= 0) return bus.mmioRead(maddr, size);
        MmioIntercept i = claimant(d, vcpu, gaddr);
        return i != null ? i.read(vcpu, gaddr, size) : size == 8 ? -1L : -1L >>> (64 - 8 * size);
    }

    /** A memory write by {@code vcpu}, routed as {@link #mmioRead}; one nothing claims is dropped. */
    public void mmioWrite(Vcpu vcpu, long gaddr, int size, long value) {
        checkMemorySize(gaddr, size);
        Domain d = vcpu.domain();
        long maddr = d.p2m().translate(gaddr);
        if (maddr >= 0) {
            bus.mmioWrite(maddr, size, value);
            return;
        }
        MmioIntercept i = claimant(d, vcpu, gaddr);
        if (i == null) return;
        i.write(vcpu, gaddr, size, value);
        if (i == d.ioreqServer()) msixtbl.afterDeviceModel(vcpu, gaddr, size, value); // hvm_io_completion -> msix_write_completion
    }

    /** Xen's own intercepts of the domain first (hvm_find_io_handler), then its ioreq server; null when none claims it. */
    private static MmioIntercept claimant(Domain d, Vcpu vcpu, long gaddr) {
        for (MmioIntercept i : d.mmioIntercepts()) if (i.claims(vcpu, gaddr)) return i;
        MmioIntercept dm = d.ioreqServer();
        return dm != null && dm.claims(vcpu, gaddr) ? dm : null;
    }

    private static void checkMemorySize(long gaddr, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException(String.format("memory access at 0x%x: size %d is not 1, 2, 4 or 8", gaddr, size));
        }
    }

    // ---- trapped configuration accesses (ConfigTraps)

    /** A port I/O access by a vCPU of {@code d}: 0xcf8 (the latch, dword only) or 0xcfc..0xcff (data). */
    public int ioRead(Vcpu vcpu, int port, int size) {
        return traps.ioRead(vcpu, port, size);
    }

    public void ioWrite(Vcpu vcpu, int port, int size, int value) {
        traps.ioWrite(vcpu, port, size, value);
    }

    /** An ECAM (MMCFG) access: {@code offset} within segment 0's window, bus << 20 | devfn << 12 | register. */
    public int ecamRead(Vcpu vcpu, int offset, int size) {
        return traps.configRead(vcpu, offset >>> 12, offset & 0xfff, size);
    }

    public void ecamWrite(Vcpu vcpu, int offset, int size, int value) {
        traps.configWrite(vcpu, offset >>> 12, offset & 0xfff, size, value);
    }

    /**
     * An ECAM (MMCFG) access in the region of {@code segment} (Xen maps one per MCFG entry and traps each:
     * vpci_mmcfg_read/write): {@code offset} = bus << 20 | devfn << 12 | register.
     */
    public int ecamRead(Vcpu vcpu, int segment, int offset, int size) {
        return traps.configRead(vcpu, checkSegment(segment) << 16 | offset >>> 12, offset & 0xfff, size);
    }

    public void ecamWrite(Vcpu vcpu, int segment, int offset, int size, int value) {
        traps.configWrite(vcpu, checkSegment(segment) << 16 | offset >>> 12, offset & 0xfff, size, value);
    }

    /** {@code busDevfn} = bus << 8 | devfn on segment 0. */
    public int configRead(Vcpu vcpu, int busDevfn, int reg, int size) {
        return traps.configRead(vcpu, busDevfn & 0xffff, reg, size);
    }

    public void configWrite(Vcpu vcpu, int busDevfn, int reg, int size, int value) {
        traps.configWrite(vcpu, busDevfn & 0xffff, reg, size, value);
    }

    /** A trapped access to {@code segment}'s function {@code busDevfn} (= bus << 8 | devfn), through its MMCFG region. */
    public int configRead(Vcpu vcpu, int segment, int busDevfn, int reg, int size) {
        return traps.configRead(vcpu, checkSegment(segment) << 16 | busDevfn & 0xffff, reg, size);
    }

    public void configWrite(Vcpu vcpu, int segment, int busDevfn, int reg, int size, int value) {
        traps.configWrite(vcpu, checkSegment(segment) << 16 | busDevfn & 0xffff, reg, size, value);
    }

    private static int checkSegment(int segment) {
        if (segment < 0 || segment > 0xffff) throw new IllegalArgumentException("PCI segment " + segment + " is not 0..ffff");
        return segment;
    }

    // ---- state capture and restore (XenState), which rebuild the model apart from its hypercalls

    synchronized int nextDomid() {
        return nextDomid;
    }

    /** Creates a domU with a given id (a state restore), moving the id cursor past it. */
    synchronized Domain restoreDomain(int id, int vcpus, boolean vpci, int nextId) {
        Domain d = newDomU(new GuestRam(0), id, vcpus, vpci);
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
        assignment.forget(d);
        domains.remove(d.id());
        publishGuests();
    }

    synchronized void restoreNextDomid(int next) {
        nextDomid = next;
    }

    synchronized void restoreAssigned(Map<Sbdf, Domain> saved) {
        assignment.restore(saved);
    }

    synchronized Map<Sbdf, Domain> assignedMap() {
        return assignment.snapshot();
    }

    @Override
    public String toString() {
        return "Xen " + config + " with " + guests.length + " HVM guest(s)";
    }
}
