package vdm.xen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vdm.errno.Errno;
import vdm.log.Level;
import vdm.pci.Sbdf;

/**
 * Xen's MSI and MSI-X interrupts: the irqs a map_pirq of an MSI allocates with their vectors (create_irq,
 * assign_irq_vector), the msi_desc each one keeps (xen/arch/x86/msi.c: pci_enable_msi, msi_capability_init,
 * msix_capability_init, msi_compose_msg, write_msi_msg, guest_mask_msi_irq; the device side is
 * {@link MsiProgramming}), the PT_IRQ_TYPE_MSI bindings of xen/drivers/passthrough/x86/hvm.c (pt_irq_create_bind,
 * pt_irq_destroy_bind; see {@link MsiBindings}), and delivery: a device's message to Xen's vector reaches the bound
 * pirq's domain as its own vector and destination (do_IRQ -> hvm_do_IRQ_dpci -> hvm_dirq_assist ->
 * vmsi_deliver_pirq -> vmsi_deliver).
 *
 * <p>Xen runs the model's irqs on one CPU, whose APIC id is {@link #XEN_CPU_APIC_ID}: every message Xen composes
 * targets it, and its vector table ({@code per_cpu(vector_irq)}) is {@link #irqByVector}. The messages are in
 * compatibility format: the model has no interrupt remapping table, so a multi-vector MSI block gets contiguous,
 * aligned vectors, as a device without remapping needs (with remapping, Xen's IRTEs give the same mapping from the
 * message's low data bits to each irq).
 *
 * <p>Set-up (map, unmap, bind, mask) is serialized on this object, taken after Xen's lock and before any pirq
 * table (the order in {@link Xen}'s comment). {@link #message} takes no lock and allocates nothing on the delivered
 * path: the vector table and the bindings are arrays published with release stores and read with acquire loads.
 */
public final class MsiIrqs {
    /**
     * struct msi_info: the device, the vector count (MULTI_MSI) or entry number (MSI-X), and for MSI-X the machine
     * address of the BAR that holds the table, as QEMU's xen_pt passes it (Xen reads the BAR itself and uses this only
     * when the BAR reads 0); 0 for MSI.
     */
    public record MsiInfo(Sbdf sbdf, int entryNr, long tableBase) {}

    /** One msi_desc as a state (see {@link MsiDesc} for the fields). */
    public record DescState(int irq, Sbdf sbdf, boolean msix, int pos, int entryNr, int nvec, boolean is64, boolean maskbit, int mpos,
                            long entryAddress, long tableBase, int vector, int destApic, int ownerId, boolean hostMasked,
                            boolean guestMasked) {}

    /** One MSI-X device's arch_msix: entries in use, Xen's and the owner's MASKALL. */
    public record MsixDeviceState(Sbdf sbdf, int usedEntries, boolean hostMaskall, boolean guestMaskall) {}

    /**
     * One PT_IRQ_TYPE_MSI binding (hvm_pirq_dpci.gmsi): domain {@code domid}'s {@code pirq}, on Xen's {@code irq},
     * delivers guest vector {@code gvec} with {@code gflags} (without UNMASKED, as Xen keeps them); {@code gtable} is
     * the guest MSI-X table registered with msixtbl (0 for none).
     */
    public record Binding(int domid, int pirq, int irq, int gvec, int gflags, long gtable) {}

    /** The APIC id of the CPU Xen's MSI irqs target (the boot CPU's). */
    public static final int XEN_CPU_APIC_ID = 0;
    static final int FIRST_DYNAMIC_VECTOR = 0x20, LAST_DYNAMIC_VECTOR = 0xef;
    static final int FIRST_LEGACY_VECTOR = 0x20, LAST_LEGACY_VECTOR = 0x2f;
    /** Vectors Xen reserves on every CPU (used_vectors): the legacy syscall gate 0x80 and the hypercall gate 0x82. */
    static final int LEGACY_SYSCALL_VECTOR = 0x80, HYPERCALL_VECTOR = 0x82;
    /** MAX_MSI_IRQS: the largest MSI block (the capability's Multiple Message Capable). */
    static final int MAX_MSI_IRQS = 32;
    /** A vector no irq ever had (per_cpu(vector_irq) starts at INT_MIN; a freed irq leaves ~irq). */
    static final int VECTOR_UNUSED = Integer.MIN_VALUE;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final Xen xen;
    /** Xen's vector -> irq table of its CPU: > 0 an irq, else unused (INT_MIN) or the ~irq of the last one there. */
    private final int[] irqByVector = new int[256];
    /** irq -> msi_desc, null for an irq with none (guarded by this). */
    private final MsiDesc[] descs = new MsiDesc[Xen.NR_IRQS];
    /** The irqs create_irq handed out and destroy_irq has not taken back (guarded by this). */
    private final BitSet created = new BitSet();
    /** Which domain created each irq (desc->arch.creator_domid), to revoke its access on destroy_irq; null none. */
    private final Domain[] creator = new Domain[Xen.NR_IRQS];
    /** arch_msix per device (guarded by this). */
    private final Map<Sbdf, MsiProgramming.MsixState> msix = new HashMap<>();
    /** Each device's MSI-X descs by entry (guarded by this; a device's object is never replaced). */
    private final Map<Sbdf, MsixDescs> msixDescs = new HashMap<>();
    /** _assign_irq_vector's cursor: vectors are spread 8 apart so they fall in different priority levels. */
    private int currentVector = FIRST_DYNAMIC_VECTOR, currentOffset = 0;
    private final MsiBindings bindings;

    MsiIrqs(Xen xen) {
        this.xen = xen;
        java.util.Arrays.fill(irqByVector, VECTOR_UNUSED);
        this.bindings = new MsiBindings(xen, this);
    }

    // ------------------------------------------------------------------------------------------ irqs and vectors

    /** The MSI irq lock: irq creation, msi_descs, bindings and Xen's MSI programming of devices run under it. */
    Object lock() {
        return this;
    }

    /**
     * create_irq(NUMA_NO_NODE, true) for the irq only: the lowest irq above the GSIs that create_irq has not handed
     * out, with the caller granted access to it (irq_permit_access(currd)); -ENOSPC when none is left. Caller holds
     * this lock. Every MSI irq comes from here, so this table alone says which are in use.
     */
    int createIrq(Domain caller) {
        for (int i = Math.max(gsiLimit(), 1); i < Xen.NR_IRQS; i++) {
            if (created.get(i) || descs[i] != null) continue;
            created.set(i);
            caller.permitIrq(i);
            creator[i] = caller;
            return i;
        }
        return -Errno.ENOSPC;
    }

    /** destroy_irq: its vector freed (~irq left in the table), its creator's access revoked. Caller holds this lock. */
    void destroyIrq(int irq) {
        MsiDesc d = descs[irq];
        if (d != null) {
            INTS.setRelease(irqByVector, d.vector, ~irq); // release: message() sees the vector free once the desc is gone
            descs[irq] = null;
            if (d.msix) msixDescs(d.sbdf).remove(d);
        }
        created.clear(irq);
        if (creator[irq] != null) {
            creator[irq].denyIrq(irq);
            creator[irq] = null;
        }
    }

    private int gsiLimit() {
        return xen.routing() == null ? 0 : xen.routing().gsiLimit();
    }

    /** The vectors in use on Xen's CPU: MSI irqs', the programmed IO-APIC pins', the legacy ones and the reserved gates. */
    private BitSet usedVectors() {
        BitSet used = new BitSet(256);
        used.set(0, FIRST_DYNAMIC_VECTOR);
        used.set(FIRST_LEGACY_VECTOR, LAST_LEGACY_VECTOR + 1);
        used.set(LAST_DYNAMIC_VECTOR + 1, 256);
        used.set(LEGACY_SYSCALL_VECTOR);
        used.set(HYPERCALL_VECTOR);
        for (int v = 0; v < 256; v++) if (irqByVector[v] > 0) used.set(v);
        IoApicRouting r = xen.routing();
        if (r != null) {
            BitSet gsis = r.programmedGsis();
            for (int g = gsis.nextSetBit(0); g >= 0; g = gsis.nextSetBit(g + 1)) {
                used.set((int) (r.physical().ioApic(g).entry(r.physical().pin(g)) & 0xff));
            }
        }
        return used;
    }

    /** _assign_irq_vector: the next free vector 8 above the last, wrapping to the next offset; -ENOSPC if none. */
    private int assignVector() {
        BitSet used = usedVectors();
        int vector = currentVector, offset = currentOffset;
        for (int tries = 0; tries < 256; tries++) {
            vector += 8;
            if (vector > LAST_DYNAMIC_VECTOR) {
                offset = (offset + 1) % 8;
                vector = FIRST_DYNAMIC_VECTOR + offset;
            }
            if (used.get(vector)) continue;
            currentVector = vector;
            currentOffset = offset;
            return vector;
        }
        return -Errno.ENOSPC;
    }

    /** A block of {@code n} free vectors aligned to {@code n} (an MSI block's vectors differ in the data's low bits). */
    private int assignVectorBlock(int n) {
        BitSet used = usedVectors();
        for (int base = FIRST_DYNAMIC_VECTOR; base + n - 1 <= LAST_DYNAMIC_VECTOR; base += n) {
            if (used.get(base, base + n).isEmpty()) return base;
        }
        return -Errno.ENOSPC;
    }

    // ------------------------------------------------------------------------------------------ map and unmap

    /**
     * allocate_and_map_msi_pirq(d, -1, &pirq, type, msi): {@code type} is {@link PhysdevOps#MAP_PIRQ_TYPE_MSI}
     * (MSI-X when {@code info.tableBase()} is not 0) or {@link PhysdevOps#MAP_PIRQ_TYPE_MULTI_MSI}; {@code pirq} -1
     * allocates. Returns the pirq or the errno (for MULTI_MSI, {@code -ENFILE} with the vector count the device offers
     * in {@link PhysdevOps.PirqResult#pirq()} when it asked for more, and {@code -EDOM} for a count outside 1..32).
     */
    PhysdevOps.PirqResult allocateAndMap(Domain caller, Domain d, int pirq, int type, MsiInfo info) {
        return MsiMapping.allocateAndMap(xen, this, caller, d, pirq, type, info);
    }

    /** pt_irq_create_bind for PT_IRQ_TYPE_MSI: {@code gtable} is the guest's MSI-X table address (0 for MSI). */
    int createBind(Domain d, int pirq, int gvec, int gflags, long gtable) {
        return bindings.create(d, pirq, gvec, gflags, gtable);
    }

    /** pt_irq_destroy_bind for PT_IRQ_TYPE_MSI. */
    int destroyBind(Domain d, int pirq) {
        return bindings.destroy(d, pirq);
    }

    /** guest_mask_msi_irq: the guest's own mask of the pirq's vector, which Xen applies to the device's mask bit. */
    void guestMask(Domain d, int pirq, boolean mask) {
        synchronized (this) {
            MsiDesc desc = descOf(d, pirq);
            if (desc != null) setMask(desc, desc.hostMasked, mask);
        }
    }

    /** unmap_domain_pirq of an MSI pirq: the irq is freed and the device's MSI (entry) disabled (pci_disable_msi). */
    int unmap(Domain caller, Domain d, int pirq) {
        return MsiMapping.unmap(xen, this, d, pirq);
    }

    // ------------------------------------------------------------------------------------------ delivery

    /**
     * A device's MSI/MSI-X message arrives (the host's {@link vdm.host.MsiTarget}): the vector Xen programmed names its
     * irq, whose bound domain receives the vector and destination it asked for. Lock-free, allocation-free.
     * A message to another CPU or to a vector with no irq is do_IRQ's "No irq handler for vector" (logged). An irq
     * no guest has bound (mapped, or not yet bound) is acked and left pending (IRQ_PENDING with no action): nothing
     * is delivered. A masked vector never gets here: the device holds it in its pending bit.
     */
    public void message(long address, int data) {
        int vector = data & 0xff;
        int dest = (int) ((address >>> 12) & 0xff);
        int irq = dest == XEN_CPU_APIC_ID ? (int) INTS.getAcquire(irqByVector, vector) : VECTOR_UNUSED; // pairs with the release in publish
        if (irq <= 0) {
            noHandler(dest, vector, irq);
            return;
        }
        MsiBindings.Delivery b = bindings.delivery(irq);
        if (b == null) return; // do_IRQ: not IRQ_GUEST; desc->status |= IRQ_PENDING, and no action runs
        VmsiDelivery.deliver(xen.log(), b.domain(), b.gvec(), b.gflags());
    }

    private void noHandler(int dest, int vector, int irq) {
        xen.log().log(-1, Level.WARNING, String.format("CPU%d: No irq handler for vector %02x (IRQ %d, LAPIC)", dest, vector,
                dest == XEN_CPU_APIC_ID ? irq : VECTOR_UNUSED));
    }

    /** The PT_IRQ_TYPE_MSI binding of a domain's pirq, or null (for the invariants, the toolstack's checks, tests). */
    public Binding binding(Domain d, int pirq) {
        return bindings.binding(d, pirq);
    }

    /** The msi_desc of Xen's {@code irq}, or null if it has none: its device, entry, vector, message and masks. */
    public synchronized DescState descState(int irq) {
        MsiDesc d = desc(irq);
        return d == null ? null : d.save();
    }

    /** msi_compose_msg's address for a vector on the CPU with APIC id {@code destApic}. */
    public static long composeAddress(int destApic) {
        return MsiProgramming.MSI_ADDR_BASE | ((long) destApic & 0xff) << 12;
    }

    /** msi_compose_msg's data for {@code vector}: edge, assert, fixed delivery. */
    public static int composeData(int vector) {
        return MsiProgramming.MSI_DATA_LEVEL_ASSERT | (vector & 0xff);
    }

    // ------------------------------------------------------------------------------------------ for MsiMapping and MsiBindings

    XenLog log() {
        return xen.log();
    }

    MsiDesc desc(int irq) {
        return irq > 0 && irq < descs.length ? descs[irq] : null;
    }

    /** The msi_desc of a domain's pirq (domain_spin_lock_irq_desc), or null. Caller holds this lock. */
    MsiDesc descOf(Domain d, int pirq) {
        return desc(d.pirqs().irq(pirq));
    }

    /** The device's MSI-X descs by entry, for msixtbl_addr_to_desc. Caller holds this lock. */
    MsixDescs msixDescs(Sbdf sbdf) {
        return msixDescs.computeIfAbsent(sbdf, s -> new MsixDescs());
    }

    MsiProgramming.MsixState msixState(Sbdf sbdf) {
        return msix.computeIfAbsent(sbdf, s -> new MsiProgramming.MsixState());
    }

    /** Vectors for a new block of {@code n} irqs, one for a single irq; -ENOSPC. Caller holds this lock. */
    int vectors(int n) {
        return n == 1 ? assignVector() : assignVectorBlock(n);
    }

    /** Installs an irq's msi_desc and publishes its vector (the message path can find it from now on). */
    void publish(MsiDesc d) {
        descs[d.irq] = d;
        if (d.msix) msixDescs(d.sbdf).put(d);
        created.set(d.irq);
        INTS.setRelease(irqByVector, d.vector, d.irq); // release: the desc and the device's programming come first
    }

    /** msi_set_mask_bit on the device, with the owner's domid for Xen's warning. Caller holds this lock. */
    boolean setMask(MsiDesc d, boolean host, boolean guest) {
        PciHardware hw = xen.bus().function(d.sbdf.packed());
        return hw != null && MsiProgramming.setMaskBit(xen.log(), hw, xen.bus(), d, msixState(d.sbdf), d.ownerId, host, guest);
    }

    /** find_msi_entry(dev, irq, cap): the device's first MSI (or MSI-X) desc, of {@code irq} unless it is -1. */
    MsiDesc find(Sbdf sbdf, boolean msix, int irq) {
        for (MsiDesc d : descs) if (d != null && d.msix == msix && d.sbdf.equals(sbdf) && (irq == -1 || d.irq == irq)) return d;
        return null;
    }

    MsiBindings bindings() {
        return bindings;
    }

    // ------------------------------------------------------------------------------------------ state

    /**
     * Xen's MSI state: every msi_desc by irq, the irqs created without one (a map_pirq of an MSI with no device), each
     * irq's creator, each MSI-X device's arch_msix, the vector cursor, the bindings by irq.
     */
    public record State(DescState[] descs, int[] createdIrqs, int[] creators, MsixDeviceState[] msix,
                        int currentVector, int currentOffset, Binding[] bindings) {}

    /** A capture in canonical order (irqs ascending, devices by SBDF). */
    public synchronized State capture() {
        List<DescState> ds = new java.util.ArrayList<>();
        for (MsiDesc d : descs) if (d != null) ds.add(d.save());
        int[] irqs = created.stream().toArray();
        int[] creators = new int[irqs.length];
        for (int i = 0; i < irqs.length; i++) creators[i] = creator[irqs[i]] == null ? -1 : creator[irqs[i]].id();
        // A device's struct arch_msix with nothing in it is what msixState makes on demand: left out, so models that
        // behave alike capture alike (one that touched no MSI-X is the state of a document without MSI).
        MsixDeviceState[] m = msix.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .filter(e -> e.getValue().usedEntries != 0 || e.getValue().hostMaskall || e.getValue().guestMaskall)
                .map(e -> new MsixDeviceState(e.getKey(), e.getValue().usedEntries, e.getValue().hostMaskall,
                        e.getValue().guestMaskall))
                .toArray(MsixDeviceState[]::new);
        return new State(ds.toArray(DescState[]::new), irqs, creators, m, currentVector, currentOffset, bindings.capture());
    }

    /**
     * Refuses a state that does not fit this hypervisor (irqs, vectors, devices, domains), naming what;
     * {@code hasDomain} answers for the domains the model will have (a snapshot is checked before its domUs exist).
     */
    public void check(State s, java.util.function.IntPredicate hasDomain) {
        for (DescState d : s.descs()) {
            if (d.irq() <= 0 || d.irq() >= Xen.NR_IRQS) throw new IllegalArgumentException("MSI desc of irq " + d.irq() + ": irq out of range");
            if (d.vector() < FIRST_DYNAMIC_VECTOR || d.vector() > LAST_DYNAMIC_VECTOR) {
                throw new IllegalArgumentException("MSI desc of irq " + d.irq() + ": vector " + d.vector() + " outside 0x20..0xef");
            }
            if (xen.bus().function(d.sbdf().packed()) == null) throw new IllegalArgumentException("MSI desc of irq " + d.irq() + ": no function " + d.sbdf());
        }
        for (int irq : s.createdIrqs()) if (irq <= 0 || irq >= Xen.NR_IRQS) throw new IllegalArgumentException("MSI irq " + irq + " out of range");
        if (s.creators().length != s.createdIrqs().length) throw new IllegalArgumentException("MSI irqs: creators do not match the irqs");
        for (int i = 0; i < s.creators().length; i++) {
            if (s.creators()[i] >= 0 && !hasDomain.test(s.creators()[i])) {
                throw new IllegalArgumentException("MSI irq " + s.createdIrqs()[i] + ": created by domain " + s.creators()[i] + ", which the state lacks");
            }
        }
        bindings.check(s.bindings(), hasDomain);
    }

    /**
     * Puts {@link #capture()}'s result back (after {@link #check}), once the domains are restored (bindings and
     * creators name them); the devices' registers are the host's to restore. Not under Xen's lock.
     */
    public synchronized void restore(State s) {
        check(s, id -> xen.domain(id) != null);
        java.util.Arrays.fill(descs, null);
        msixDescs.values().forEach(MsixDescs::clear);
        for (int v = 0; v < 256; v++) INTS.setRelease(irqByVector, v, VECTOR_UNUSED);
        created.clear();
        java.util.Arrays.fill(creator, null);
        for (int i = 0; i < s.createdIrqs().length; i++) {
            created.set(s.createdIrqs()[i]);
            creator[s.createdIrqs()[i]] = s.creators()[i] < 0 ? null : xen.domain(s.creators()[i]);
        }
        for (DescState d : s.descs()) publish(MsiDesc.of(d));
        msix.clear();
        for (MsixDeviceState m : s.msix()) {
            MsiProgramming.MsixState st = msixState(m.sbdf());
            st.usedEntries = m.usedEntries();
            st.hostMaskall = m.hostMaskall();
            st.guestMaskall = m.guestMaskall();
        }
        currentVector = s.currentVector();
        currentOffset = s.currentOffset();
        bindings.restore(s.bindings());
    }
}
