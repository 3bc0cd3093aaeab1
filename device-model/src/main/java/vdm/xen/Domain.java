package vdm.xen;

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import vdm.pci.Sbdf;

/**
 * A Xen domain: dom0 (PV or PVH; the hardware domain) or an HVM domU. Each keeps its pirq table, its irq access
 * permissions (Xen's d->irq_caps), the MMIO part of its p2m, its IO ports, its vCPUs and the vPCI of the devices it sees.
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
    private final PirqTable pirqs;
    private final BitSet irqCaps = new BitSet();
    private final Vcpu[] vcpus;
    /**
     * vPCI by packed SBDF of segment 0 (index bus<<8|devfn): an array for the trapped-access hot path. Memory order:
     * published with a release store when a device is attached or detached (under Xen's lock) and read with an
     * acquire load by the lock-free trap path, so a vCPU that sees a vPCI sees it fully built.
     */
    private final Vpci[] vpciSegment0 = new Vpci[1 << 16];
    private static final java.lang.invoke.VarHandle VPCIS = java.lang.invoke.MethodHandles.arrayElementVarHandle(Vpci[].class);
    private final Map<Integer, Vpci> vpciOther = new ConcurrentHashMap<>();
    private final Map<Integer, Header> headers = new ConcurrentHashMap<>();
    /** An HVM guest's virtual IO-APIC and its passed-through INTx bindings (null for dom0). */
    GuestInterrupts guestInterrupts;

    public GuestInterrupts interrupts() {
        return guestInterrupts;
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

    Domain(int id, Kind kind, boolean hardware, boolean vpci, int vcpus, int nrPirqs, int nrIrqs) {
        this.id = id;
        this.kind = kind;
        this.hardware = hardware;
        this.vpci = vpci;
        this.pirqs = new PirqTable(nrPirqs, nrIrqs);
        this.vcpus = new Vcpu[vcpus];
        for (int i = 0; i < vcpus; i++) this.vcpus[i] = new Vcpu(this, i);
    }

    public int id() { return id; }
    public Kind kind() { return kind; }
    public boolean isHardwareDomain() { return hardware; }
    public boolean hasVpci() { return vpci; }
    public P2m p2m() { return p2m; }
    /** The domain's IO port permissions and, for a guest, its guest-to-machine port ranges. */
    public IoPorts ioPorts() { return ioPorts; }
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

    /** The vPCI of a device this domain sees, or null; O(1) for segment 0, by an acquire load (see vpciSegment0). */
    public Vpci vpci(int packedSbdf) {
        return (packedSbdf >>> 16) == 0 ? (Vpci) VPCIS.getAcquire(vpciSegment0, packedSbdf) : vpciOther.get(packedSbdf);
    }

    public Vpci vpci(Sbdf sbdf) {
        return vpci(sbdf.packed());
    }

    public Header header(Sbdf sbdf) {
        return headers.get(sbdf.packed());
    }

    void attach(Sbdf sbdf, Vpci vpci, Header header) {
        int p = sbdf.packed();
        headers.put(p, header); // before the vPCI is visible: a trap that finds the vPCI finds its header
        if ((p >>> 16) == 0) VPCIS.setRelease(vpciSegment0, p, vpci); else vpciOther.put(p, vpci);
    }

    void detach(Sbdf sbdf) {
        int p = sbdf.packed();
        if ((p >>> 16) == 0) VPCIS.setRelease(vpciSegment0, p, null); else vpciOther.remove(p);
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
