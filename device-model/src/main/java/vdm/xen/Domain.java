package vdm.xen;

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import vdm.pci.Sbdf;

/**
 * A Xen domain: dom0 (PV or PVH; the hardware domain) or an HVM domU. Each keeps its pirq table, its irq access
 * permissions (Xen's d->irq_caps), its iomem permissions (d->iomem_caps), the MMIO part of its p2m, its IO ports, its vCPUs and the vPCI of the devices it sees.
 */
public final class Domain {
    public enum Kind { PV, PVH, HVM }

    private final int id;
    private final Kind kind;
    private final boolean hardware;
    /** Xen's has_vpci(d): config accesses are trapped into vPCI (a PVH dom0; a domU created with vPCI). */
    private final boolean vpci;
    private final P2m p2m = new P2m();
    private final IoPorts ioPorts = new IoPorts();
    private final IomemCaps iomem = new IomemCaps();
    private final PirqTable pirqs;
    private final BitSet irqCaps = new BitSet();
    private final Vcpu[] vcpus;
    /**
     * vPCI by packed SBDF: one array per PCI segment (index bus<<8|devfn), as Xen traps every MMCFG region the MCFG
     * lists (vpci_mmcfg_read/write), for the trapped-access hot path. The outer array has one slot per segment the
     * host has; a segment's array is created at its first attach. Memory order: the segment's array and each vPCI
     * are published with release stores when a device is attached or detached (under Xen's lock) and read with
     * acquire loads by the lock-free trap path, so a vCPU that sees a vPCI sees it fully built.
     */
    private final Vpci[][] vpciSegments;
    /** Segment 0's array, also vpciSegments[0]: the common case keeps the single acquire load it had. */
    private final Vpci[] vpciSegment0 = new Vpci[1 << 16];
    private static final java.lang.invoke.VarHandle SEGMENTS = java.lang.invoke.MethodHandles.arrayElementVarHandle(Vpci[][].class);
    private static final java.lang.invoke.VarHandle VPCIS = java.lang.invoke.MethodHandles.arrayElementVarHandle(Vpci[].class);
    private final Map<Integer, Header> headers = new ConcurrentHashMap<>();
    /** An HVM guest's virtual IO-APIC and its passed-through INTx bindings (null for dom0). */
    GuestInterrupts guestInterrupts;
    /** An HVM guest's RAM below 4 GiB; dom0's is not modelled (it ends at 0). */
    GuestRam ram = new GuestRam(0);

    public GuestRam ram() { return ram; }

    public GuestInterrupts interrupts() {
        return guestInterrupts;
    }

    private final MsiReceipts msiReceipts = new MsiReceipts();

    /** What this domain's local APICs received by MSI and MSI-X. */
    public MsiReceipts msiReceipts() {
        return msiReceipts;
    }

    /** vPCI's MSI-X table trap of this domain (created with its first MSI-X device, under this object's lock). */
    MsixTableTrap msixTrap;
    /**
     * The hardware domain's RAM below 640 KiB, the first entry of a PC's e820: the machine frame its guest frame 0 is
     * populated with (pvh_populate_p2m, which dom0_construct_pvh runs after iommu_hwdom_init has built the boot
     * devices' vPCI), or -1 before that and for every other domain. vdm keeps only this part of a domain's RAM: it
     * is where a table or PBA computed from a zeroed or empty BAR lands (vpci_make_msix_hole's "at 0").
     */
    private volatile long lowRamMfn = -1;
    /** The frames of {@link #lowRamMfn}'s RAM: 0 .. 0x9f. */
    static final long LOW_RAM_FRAMES = 0xa0;

    /** Xen's MMIO intercepts of this domain, in registration order; replaced whole (copy on write). */
    private volatile MmioIntercept[] mmioIntercepts = new MmioIntercept[0];
    /** The device model's ioreq server (QEMU): asked last, for what no Xen intercept claims. */
    private volatile MmioIntercept ioreqServer;

    /** register_mmio_handler: adds an intercept after the ones there (once per kind per domain, as Xen does). */
    public synchronized void addMmioIntercept(MmioIntercept intercept) {
        if (intercept == null) throw new IllegalArgumentException("d" + id + ": MMIO intercept is missing");
        MmioIntercept[] was = mmioIntercepts;
        MmioIntercept[] now = java.util.Arrays.copyOf(was, was.length + 1);
        now[was.length] = intercept;
        mmioIntercepts = now;
    }

    public synchronized void removeMmioIntercept(MmioIntercept intercept) {
        mmioIntercepts = java.util.Arrays.stream(mmioIntercepts).filter(i -> i != intercept).toArray(MmioIntercept[]::new);
    }

    MmioIntercept[] mmioIntercepts() {
        return mmioIntercepts;
    }

    /** The device model's ioreq server for this domain (null: none, unclaimed accesses read ones). */
    public void ioreqServer(MmioIntercept server) {
        this.ioreqServer = server;
    }

    MmioIntercept ioreqServer() {
        return ioreqServer;
    }

    /**
     * The CF8 latch: the last dword written to port 0xcf8 (per domain, as Xen keeps d->arch.pci_cf8). Read and written
     * with opaque access: visible to the domain's other vCPUs without the ordering cost of a volatile on the hot path
     * (a guest serializes CF8/CFC pairs itself, as Linux does with pci_config_lock).
     */
    private int cf8;
    private static final java.lang.invoke.VarHandle CF8;

    static {
        try {
            CF8 = java.lang.invoke.MethodHandles.lookup().findVarHandle(Domain.class, "cf8", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    int cf8Opaque() {
        return (int) CF8.getOpaque(this);
    }

    void setCf8Opaque(int value) {
        CF8.setOpaque(this, value);
    }

    /** @param segments how many PCI segments the host has (segments 0 .. segments - 1 may hold a vPCI) */
    Domain(int id, Kind kind, boolean hardware, boolean vpci, int vcpus, int nrPirqs, int nrIrqs, int segments) {
        if (segments < 1 || segments > 1 << 16) throw new IllegalArgumentException("a host has 1..65536 PCI segments, not " + segments);
        this.vpciSegments = new Vpci[segments][];
        this.vpciSegments[0] = vpciSegment0;
        this.id = id;
        this.kind = kind;
        this.hardware = hardware;
        this.vpci = vpci;
        this.pirqs = new PirqTable(nrPirqs, nrIrqs);
        this.vcpus = new Vcpu[vcpus];
        for (int i = 0; i < vcpus; i++) this.vcpus[i] = new Vcpu(this, i);
    }

    /** pvh_populate_p2m's RAM below 640 KiB, from machine frame {@code mfn} (once, when the hardware domain is built). */
    void populateLowRam(long mfn) {
        lowRamMfn = mfn;
    }

    /** get_gfn_query of a RAM frame (p2m_ram_rw): the machine frame RAM guest frame {@code gfn} holds, or -1. */
    long ramFrame(long gfn) {
        long m = lowRamMfn;
        return m >= 0 && gfn >= 0 && gfn < LOW_RAM_FRAMES ? m + gfn : -1;
    }

    public int id() { return id; }
    public Kind kind() { return kind; }
    public boolean isHardwareDomain() { return hardware; }
    public boolean hasVpci() { return vpci; }
    public P2m p2m() { return p2m; }
    /** The domain's IO port permissions and, for a guest, its guest-to-machine port ranges. */
    public IoPorts ioPorts() { return ioPorts; }
    /** The machine frames the domain may map (d->iomem_caps). */
    public IomemCaps iomem() { return iomem; }
    public PirqTable pirqs() { return pirqs; }
    public Vcpu vcpu(int n) { return vcpus[n]; }
    public int vcpuCount() { return vcpus.length; }

    /** Xen's has_pirq(): PV domains and HVM guests with XEN_X86_EMU_USE_PIRQ; a PVH domain has no pirq notion. */
    public boolean hasPirq() {
        return kind != Kind.PVH;
    }

    /** HVM or PVH: hypercalls go through the hvm_*_op filters. */
    public boolean isHvmContainer() {
        return kind != Kind.PV;
    }

    /** Xen's irq_access_permitted. */
    public synchronized boolean irqPermitted(int irq) {
        return irq >= 0 && irqCaps.get(irq);
    }

    synchronized void permitIrq(int irq) {
        irqCaps.set(irq);
    }

    synchronized void denyIrq(int irq) {
        irqCaps.clear(irq);
    }

    synchronized void restoreIrqCaps(BitSet caps) {
        irqCaps.clear();
        irqCaps.or(caps);
    }

    synchronized void permitIrqs(int from, int to) {
        irqCaps.set(from, to);
    }

    /** The irqs this domain may use, as a copy. */
    public synchronized BitSet irqCaps() {
        return (BitSet) irqCaps.clone();
    }

    /** The vPCI of a device this domain sees, or null; O(1) on any segment, by two acquire loads (see vpciSegments). */
    public Vpci vpci(int packedSbdf) {
        int segment = packedSbdf >>> 16;
        if (segment == 0) return (Vpci) VPCIS.getAcquire(vpciSegment0, packedSbdf);
        if (segment >= vpciSegments.length) return null;
        Vpci[] bus = (Vpci[]) SEGMENTS.getAcquire(vpciSegments, segment);
        return bus == null ? null : (Vpci) VPCIS.getAcquire(bus, packedSbdf & 0xffff);
    }

    public Vpci vpci(Sbdf sbdf) {
        return vpci(sbdf.packed());
    }

    public Header header(Sbdf sbdf) {
        return headers.get(sbdf.packed());
    }

    void attach(Sbdf sbdf, Vpci vpci, Header header) {
        int p = sbdf.packed();
        int segment = p >>> 16;
        if (segment >= vpciSegments.length) {
            throw new IllegalArgumentException(sbdf + ": segment " + segment + " is beyond the host's " + vpciSegments.length + " PCI segment(s)");
        }
        Vpci[] bus = (Vpci[]) SEGMENTS.getAcquire(vpciSegments, segment);
        if (bus == null) {
            bus = new Vpci[1 << 16];
            SEGMENTS.setRelease(vpciSegments, segment, bus); // under Xen's lock: no other writer
        }
        headers.put(p, header); // before the vPCI is visible: a trap that finds the vPCI finds its header
        VPCIS.setRelease(bus, p & 0xffff, vpci);
    }

    void detach(Sbdf sbdf) {
        int p = sbdf.packed();
        int segment = p >>> 16;
        Vpci[] bus = segment < vpciSegments.length ? (Vpci[]) SEGMENTS.getAcquire(vpciSegments, segment) : null;
        if (bus != null) VPCIS.setRelease(bus, p & 0xffff, null);
        headers.remove(p);
    }

    public java.util.Collection<Header> headers() {
        return headers.values();
    }

    @Override
    public String toString() {
        return "d" + id + " (" + kind + (hardware ? ", hardware domain" : "") + ")";
    }
}
