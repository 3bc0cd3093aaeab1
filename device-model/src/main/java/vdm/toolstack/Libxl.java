package vdm.toolstack;

import vdm.xen.Assignment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vdm.dom0.Dom0Kernel;
import vdm.pci.Sbdf;
import vdm.model.Fixes;
import vdm.log.StepBus;
import vdm.xen.Domain;
import vdm.xen.Domctls;
import vdm.errno.Errno;
import vdm.xen.PhysdevOps;
import vdm.xen.Xen;

/**
 * The toolstack (libxl, tools/libs/light/libxl_pci.c) with QEMU as the device model: assignable devices, HVM guest
 * creation, and PCI attach/detach. Attach and detach are all-or-nothing: a failing step undoes the ones before it
 * and the host and hypervisor are left as they were.
 */
public final class Libxl {
    private final Xen xen;
    private final Dom0Kernel kernel;
    private final ToolstackLog log;
    private final StepBus steps;
    private final Map<Sbdf, XenPtDevice> attached = new LinkedHashMap<>();
    /**
     * How libxl routed a device's interrupt in pci_add_dm_done: the pirq it mapped, the interrupt number it used
     * (the sysfs irq on the old path, the GSI on the GSI path) and whether it granted it with gsi_permission.
     */
    public record Route(int pirq, int index, boolean viaGsi) {}

    private final Map<Sbdf, Route> routed = new LinkedHashMap<>();
    private final DeviceModels deviceModels = new DeviceModels();
    private final GuestMemory memory;
    private final BarPermissions bars;
    private final List<DomainListener> domainListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final GuestHotplug hotplug = new GuestHotplug();

    /**
     * Told when this toolstack creates or destroys a guest: where libxl starts and stops the guest's QEMU
     * (libxl__spawn_local_dm, libxl__destroy_device_model), so a QMP front end can open and close its
     * {@code qmp-libxl-<domid>} socket. Called on the thread that created or destroyed the domain, after it happened;
     * a listener that throws does not undo it (its exception reaches that caller).
     */
    public interface DomainListener {
        void created(Domain guest);

        void destroyed(int domid);
    }

    public Libxl(Xen xen, Dom0Kernel kernel, ToolstackLog log, StepBus steps) {
        this(xen, kernel, log, steps, GuestMemory.DEFAULT);
    }

    /** A toolstack whose guests get {@code memory} ({@code memory=} in their xl config). */
    public Libxl(Xen xen, Dom0Kernel kernel, ToolstackLog log, StepBus steps, GuestMemory memory) {
        this.xen = xen;
        this.kernel = kernel;
        this.log = log;
        this.steps = steps;
        this.memory = java.util.Objects.requireNonNull(memory, "guest memory");
        this.bars = new BarPermissions(xen, kernel, log);
    }

    public GuestMemory guestMemory() { return memory; }
    /** How each guest answers an unplug request, and the requests it has not answered. */
    public GuestHotplug hotplug() { return hotplug; }

    public Xen xen() { return xen; }
    public Dom0Kernel kernel() { return kernel; }

    private void error(String format, Object... args) {
        log.error(ToolstackLog.Source.LIBXL, String.format(format, args), -1);
    }

    // ---- assignable devices (xl pci-assignable-add/remove/list)

    /**
     * libxl__device_pci_assignable_add: the device goes to pciback (unless it is there already), then libxl
     * quarantines it with xc_assign_device(DOMID_IO), also when pciback already had it. A refused quarantine fails
     * the command with "failed to quarantine SBDF" and, as in libxl, leaves the device with pciback; in vdm only a
     * device pciback already held can be refused (a domU holds it: -EBUSY), so the failure changes nothing.
     */
    public synchronized int pciAssignableAdd(Sbdf sbdf) {
        if (!kernel.exists(sbdf)) {
            error("Couldn't find device %s", sbdf);
            return -Errno.ENODEV;
        }
        if (!kernel.pciback().holds(sbdf)) {
            int rc = kernel.pciback().seize(sbdf);
            if (rc != 0) {
                error("Couldn't bind device %s to pciback: %s", sbdf, Errno.name(rc));
                return rc;
            }
        }
        int rc = xen.quarantineDevice(sbdf);
        if (rc != 0) error("failed to quarantine %s", sbdf); // LOG(ERROR, ...): no errno text
        return rc;
    }

    /** libxl_device_pci_assignable_remove: refused while a guest holds it; with {@code rebind} dom0's driver takes it. */
    public synchronized int pciAssignableRemove(Sbdf sbdf, boolean rebind) {
        if (attached.containsKey(sbdf)) {
            error("Device %s is attached to domain %d", sbdf, attached.get(sbdf).guest().id());
            return -Errno.EBUSY;
        }
        int rc = kernel.pciback().release(sbdf, rebind);
        if (rc != 0) error("Device %s is not assignable", sbdf);
        return rc;
    }

    public List<Sbdf> pciAssignableList() {
        return kernel.pciback().devices();
    }

    // ---- domains

    /** An HVM guest of {@code vcpus} vCPUs and this toolstack's memory ({@link GuestMemory#lowMemEnd}). */
    public int domainCreate(int vcpus) {
        Domain d = xen.createDomain(vcpus, memory.lowMemEnd());
        for (DomainListener l : domainListeners) l.created(d);
        return d.id();
    }

    /** Adds {@code l}, which hears of every guest created or destroyed from now on (not of the ones that exist). */
    public void addDomainListener(DomainListener l) {
        domainListeners.add(java.util.Objects.requireNonNull(l, "listener"));
    }

    public void removeDomainListener(DomainListener l) {
        domainListeners.remove(l);
    }

    /** Destroys a guest, detaching its devices first. */
    public synchronized int domainDestroy(int domid) {
        Domain d = xen.domain(domid);
        if (d == null || d.isHardwareDomain()) return -Errno.ESRCH;
        for (Sbdf s : List.copyOf(attached.keySet())) {
            if (attached.get(s).guest() == d) pciDetach(domid, s);
        }
        int rc = xen.destroyDomain(domid);
        if (rc == 0) hotplug.destroyed(domid);
        if (rc == 0) for (DomainListener l : domainListeners) l.destroyed(domid);
        return rc;
    }

    public synchronized XenPtDevice device(Sbdf sbdf) {
        return attached.get(sbdf);
    }

    public synchronized List<XenPtDevice> devices(int domid) {
        return attached.values().stream().filter(p -> p.guest().id() == domid).toList();
    }

    // ---- attach (xl pci-attach)

    /**
     * libxl__device_pci_add for an HVM guest: XEN_DOMCTL_assign_device, QEMU's device_add (xen_pt_realize), then
     * pci_add_dm_done routes the interrupt: the old path (sysfs irq, map_pirq, irq_permission) for a PV dom0 or
     * without fix D, the GSI path (v4's sysfs gsi or privcmd; map_pirq_gsi; gsi_permission with fix C) for a PVH
     * dom0. Any failure undoes everything done so far.
     */
    public synchronized AttachResult pciAttach(int domid, Sbdf sbdf, int guestSlot) {
        return attach(domid, sbdf, guestSlot, null);
    }

    /**
     * The same attach as QEMU's device_add with an {@code id}: the device keeps {@code qdevId} (null for none), so
     * that device_del can name it, also after a snapshot is loaded.
     */
    public synchronized AttachResult pciAttach(int domid, Sbdf sbdf, int guestSlot, String qdevId) {
        return pciAttach(domid, sbdf, guestSlot, qdevId, false);
    }

    /** xl's permissive=1: device_add's permissive=true (pci_add_qmp_device_add; {@link XenPtDevice#permissive}). */
    public synchronized AttachResult pciAttach(int domid, Sbdf sbdf, int guestSlot, String qdevId, boolean permissive) {
        AttachResult r = pciAttach(domid, sbdf, guestSlot);
        if (r.ok()) attached.get(sbdf).qdevId(qdevId);
        if (r.ok()) attached.get(sbdf).permissive(permissive);
        return r;
    }

    /**
     * The same attach for diagnosis (the ordering explorer): where libxl stops at the first failing hypercall of
     * pci_add_dm_done, this goes on to the next one with the values libxl would have used, so that every failure of
     * the step is seen; then, if anything failed, it undoes everything as a failed attach does. Returns every failure
     * (empty: attached).
     */
    public synchronized List<AttachResult> pciAttachDiagnostic(int domid, Sbdf sbdf, int guestSlot) {
        List<AttachResult> failures = new ArrayList<>();
        AttachResult r = attach(domid, sbdf, guestSlot, failures);
        if (!r.ok() && failures.isEmpty()) failures.add(r);
        return failures;
    }

    private AttachResult attach(int domid, Sbdf sbdf, int guestSlot, List<AttachResult> diagnostics) {
        Domain d = xen.domain(domid);
        if (d == null || d.isHardwareDomain()) {
            error("Domain %d does not exist or is not a guest", domid);
            return new AttachResult(-Errno.ESRCH, "check", "no such guest domain " + domid);
        }
        if (!kernel.exists(sbdf)) {
            error("Couldn't find device %s", sbdf);
            return new AttachResult(-Errno.ENODEV, "check", "no device " + sbdf);
        }
        if (attached.containsKey(sbdf)) {
            XenPtDevice other = attached.get(sbdf);
            String msg = String.format("PCI device %s already assigned to domain %d", sbdf, other.guest().id());
            error("%s", msg);
            return new AttachResult(-Errno.EBUSY, "check", msg);
        }
        if (!kernel.pciback().holds(sbdf)) {
            String msg = String.format("PCI device %s is not assignable", sbdf);
            error("%s", msg);
            return new AttachResult(-Errno.EINVAL, "check", msg);
        }
        for (XenPtDevice p : attached.values()) {
            if (p.guest() == d && p.guestSlot() == guestSlot) {
                return new AttachResult(-Errno.EEXIST, "check", "guest slot " + guestSlot + " is taken");
            }
        }
        Deque<Runnable> undo = new ArrayDeque<>();
        Assignment a = xen.assignDevice(domid, sbdf);
        if (a.rc() != 0) {
            // LOGED(ERROR, domainid, "xc_assign_device failed"): the domain prefix and strerror(errno)
            String msg = String.format("Domain %d:xc_assign_device failed: %s", domid, Errno.text(a.rc()));
            error("%s", msg);
            return new AttachResult(a.rc(), "assign_device", msg);
        }
        undo.push(() -> xen.undoAssignment(a));
        XenPtDevice pt = new XenPtDevice(xen, kernel, log, steps, d, sbdf, guestSlot);
        XenPtDevice.Refusal refused = pt.realize(pirq -> othersMapping(pt, pirq));
        if (refused != null) {
            // device_add's error reply: qmp_ev_parse_error_messages logs its desc (LOGD: "Domain N:desc") and
            // pci_add_qmp_device_add_cb hands the failure to pci_add_dm_done, which stops there.
            String msg = "Domain " + domid + ":" + refused.desc();
            error("%s", msg);
            while (!undo.isEmpty()) undo.pop().run();
            steps.end("pci-attach " + sbdf + " (undone)");
            return new AttachResult(XenPtDevice.Refusal.RC, "device_add", msg);
        }
        undo.push(() -> pt.unrealize(pirq -> othersMapping(pt, pirq)));
        AttachResult ports = bars.grant(d, sbdf, undo);
        if (!ports.ok()) {
            while (!undo.isEmpty()) undo.pop().run();
            steps.end("pci-attach " + sbdf + " (undone)");
            return ports;
        }
        AttachResult routing = pciAddDmDone(d, sbdf, pt, undo, diagnostics);
        if (diagnostics != null && !diagnostics.isEmpty() && routing.ok()) routing = diagnostics.getFirst();
        if (!routing.ok()) {
            while (!undo.isEmpty()) undo.pop().run();
            steps.end("pci-attach " + sbdf + " (undone)");
            return routing;
        }
        attached.put(sbdf, pt);
        deviceModels.refresh(d, devices(domid));
        steps.end("pci-attach " + sbdf);
        return AttachResult.OK;
    }

    /**
     * QEMU's xen_pt_mapped_machine_irq[pirq] less {@code pt}'s own count: the other devices of {@code pt}'s guest (one
     * QEMU per guest) that have {@code pirq} mapped, which keeps QEMU from unmapping a pirq they still use.
     */
    private int othersMapping(XenPtDevice pt, int pirq) {
        int n = 0;
        for (XenPtDevice p : attached.values()) if (p != pt && p.guest() == pt.guest() && p.machineIrq() == pirq) n++;
        return n;
    }

    /**
     * pci_add_dm_done's interrupt routing: the interrupt number (sysfs irq on the old path; v4's sysfs gsi or
     * privcmd's on the GSI path), xc_physdev_map_pirq(_gsi) with pirq = index, then the permission
     * (xc_domain_gsi_permission with fix C on the GSI path, else the pirq-based xc_domain_irq_permission).
     */
    private AttachResult pciAddDmDone(Domain d, Sbdf sbdf, XenPtDevice pt, Deque<Runnable> undo, List<AttachResult> diagnostics) {
        if (pt.interruptPin() == 0) return AttachResult.OK;
        Fixes fixes = kernel.fixes();
        Domain dom0 = kernel.domain();
        boolean gsiPath = kernel.pvh() && fixes.gsiLookup() != Fixes.GsiLookup.NONE;
        int index;
        if (!gsiPath) {
            index = kernel.sysfs(sbdf).irq();
            if (index == 0) return AttachResult.OK;
        } else if (fixes.gsiLookup() == Fixes.GsiLookup.PRIVCMD) {
            index = kernel.privcmd().pcidevGetGsi(sbdf);
            if (index < 0) return failure(d, index, -1, "xc_pcidev_get_gsi", "xc_pcidev_get_gsi failed (error=-1): " + Errno.text(index));
        } else {
            var g = kernel.sysfs(sbdf).gsi();
            if (g.isEmpty()) return failure(d, -Errno.ENOENT, -1, "sysfs gsi", "no gsi in sysfs for " + sbdf);
            index = g.get();
        }
        String mapCall = gsiPath ? "xc_physdev_map_pirq_gsi gsi" : "xc_physdev_map_pirq irq";
        PhysdevOps.PirqResult r = xen.physdev().mapPirq(dom0, d.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, index, index);
        int pirq = index; // xc_physdev_map_pirq asks for pirq == index
        if (r.rc() != 0) {
            AttachResult f = failure(d, r.rc(), index, mapCall.substring(0, mapCall.indexOf(' ')),
                    String.format("%s=%d (error=-1): %s", mapCall, index, Errno.text(r.rc())));
            if (diagnostics == null) return f;
            diagnostics.add(f);
        } else {
            pirq = r.pirq();
            int mapped = pirq;
            undo.push(() -> xen.physdev().unmapPirq(dom0, d.id(), mapped));
        }
        int thePirq = pirq, gsi = index;
        boolean viaGsi = gsiPath && fixes.setupGsi();
        String permCall = viaGsi ? "xc_domain_gsi_permission gsi" : "xc_domain_irq_permission irq";
        int rc = viaGsi ? xen.domctls().gsiPermission(dom0, d.id(), gsi, Domctls.GSI_GRANT)
                : xen.domctls().irqPermission(dom0, d.id(), thePirq, true);
        if (rc != 0) {
            AttachResult f = failure(d, rc, index, permCall.substring(0, permCall.indexOf(' ')),
                    String.format("%s=%d (error=-1): %s", permCall, viaGsi ? gsi : thePirq, Errno.text(rc)));
            if (diagnostics == null) return f;
            diagnostics.add(f);
            return diagnostics.getFirst();
        }
        undo.push(() -> {
            if (viaGsi) xen.domctls().gsiPermission(dom0, d.id(), gsi, Domctls.GSI_REVOKE);
            else xen.domctls().irqPermission(dom0, d.id(), thePirq, false);
        });
        if (diagnostics != null && !diagnostics.isEmpty()) return diagnostics.getFirst();
        routed.put(sbdf, new Route(thePirq, gsi, viaGsi));
        return AttachResult.OK;
    }

    /** A failed step of pci_add_dm_done, logged as libxl's LOGED does ("Domain N:call=... (error=-1): text"). */
    private AttachResult failure(Domain d, int rc, int index, String step, String text) {
        String msg = "Domain " + d.id() + ":" + text;
        error("%s", msg);
        return new AttachResult(rc, step, msg, index);
    }

    // ---- detach (xl pci-detach)

    /**
     * libxl__device_pci_remove: QEMU's device_del (unbind, unmap the pirq, drop the mappings), libxl's own pirq unmap
     * (QEMU may already have unmapped it: the error is logged and ignored, as libxl does) and permission revoke,
     * XEN_DOMCTL_deassign_device, then pciback takes the device back (pcistub_put_pci_dev).
     */
    public synchronized AttachResult pciDetach(int domid, Sbdf sbdf) {
        XenPtDevice pt = attached.get(sbdf);
        if (pt == null || pt.guest().id() != domid) {
            String msg = String.format("PCI device %s is not attached to domain %d", sbdf, domid);
            error("%s", msg);
            return new AttachResult(-Errno.ENODEV, "check", msg);
        }
        Domain dom0 = kernel.domain();
        pt.unrealize(pirq -> othersMapping(pt, pirq));
        bars.revoke(domid, sbdf);
        Route r = routed.remove(sbdf);
        if (r != null) {
            boolean gsiPath = kernel.pvh() && kernel.fixes().gsiLookup() != Fixes.GsiLookup.NONE;
            if (gsiPath) unmapGsi(dom0, domid, sbdf, r);
            else unmapIrq(dom0, domid, r);
        }
        xen.deassignDevice(domid, sbdf);
        attached.remove(sbdf);
        hotplug.detached(sbdf);
        deviceModels.refresh(pt.guest(), devices(domid));
        int rc = kernel.pciback().putDevice(sbdf);
        steps.end("pci-detach " + sbdf);
        return rc == 0 ? AttachResult.OK : new AttachResult(rc, "pcistub_put_pci_dev", Errno.text(rc));
    }

    /**
     * What libxl expects of its own unmap on the old path: QEMU's xen_pt_unregister_device unmapped the pirq first, so
     * Xen's unmap_domain_pirq finds none ("pirq N not mapped") and returns -EINVAL. pci_remove_detached says so in a
     * comment ("QEMU may have already unmapped the IRQ. So the error may be spurious") and still logs it.
     */
    static final ToolstackLog.Expected QEMU_UNMAPPED_FIRST = new ToolstackLog.Expected(-Errno.EINVAL,
            "QEMU's xen_pt_unregister_device unmapped the pirq before libxl's pci_remove_detached, which logs the error anyway");

    /**
     * pci_remove_detached on a domain with a pirq notion (a PV dom0, or without fix D): xc_physdev_unmap_pirq with the
     * sysfs irq, then xc_domain_irq_permission(..., 0); errors are logged (LOGED: "...: strerror") and passed over.
     * The unmap is expected to fail when QEMU already unmapped that pirq (it did whenever it had mapped it and no other
     * device of the guest still maps it); if one does, this unmap succeeds and Xen forces the pirq's unbind, so that
     * device loses its INTx.
     */
    private void unmapIrq(Domain dom0, int domid, Route r) {
        boolean qemuUnmapped = xen.domain(domid).pirqs().irq(r.pirq()) == 0;
        int rc = qemuUnmapped ? log.expecting(QEMU_UNMAPPED_FIRST, () -> xen.physdev().unmapPirq(dom0, domid, r.pirq()))
                : xen.physdev().unmapPirq(dom0, domid, r.pirq());
        if (rc != 0) {
            String text = String.format("Domain %d:xc_physdev_unmap_pirq irq=%d: %s", domid, r.pirq(), Errno.text(rc));
            if (qemuUnmapped && rc == QEMU_UNMAPPED_FIRST.result()) log.expectedError(ToolstackLog.Source.LIBXL, text, QEMU_UNMAPPED_FIRST);
            else error("%s", text);
        }
        // The pirq is gone, so dom0's own pirq decides as in Xen; a GSI the guest still holds is denied here.
        rc = xen.domctls().irqPermission(dom0, domid, r.pirq(), false);
        if (rc != 0) error("Domain %d:xc_domain_irq_permission irq=%d: %s", domid, r.pirq(), Errno.text(rc));
    }

    /**
     * libxl__arch_hvm_unmap_gsi (libxl_x86.c), the GSI path: the GSI again, then xc_physdev_map_pirq_gsi with pirq -1
     * "to get the already mapped pirq first" (QEMU has unmapped it by now, so Xen allocates one, unless another device of
     * the guest still maps it: then that pirq, whose unmap Xen forces), xc_physdev_unmap_pirq of that pirq, and the
     * revoke. Each failure is logged and ends the routine, as libxl returns ERROR_FAIL.
     */
    private void unmapGsi(Domain dom0, int domid, Sbdf sbdf, Route r) {
        int gsi = r.index();
        if (kernel.fixes().gsiLookup() == Fixes.GsiLookup.PRIVCMD) {
            gsi = kernel.privcmd().pcidevGetGsi(sbdf);
            if (gsi < 0) return; // ENOENT: no GSI, nothing to undo (LOGD DEBUG)
        }
        PhysdevOps.PirqResult m = xen.physdev().mapPirq(dom0, domid, PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, -1);
        if (m.rc() != 0) {
            error("Domain %d:xc_physdev_map_pirq_gsi gsi=%d: %s", domid, gsi, Errno.text(m.rc()));
            return;
        }
        int rc = xen.physdev().unmapPirq(dom0, domid, m.pirq());
        if (rc != 0) {
            error("Domain %d:xc_physdev_unmap_pirq gsi=%d: %s", domid, gsi, Errno.text(rc));
            return;
        }
        rc = r.viaGsi() ? xen.domctls().gsiPermission(dom0, domid, gsi, Domctls.GSI_REVOKE)
                : xen.domctls().irqPermission(dom0, domid, r.pirq(), false);
        if (rc != 0) error("Domain %d:%s gsi=%d: %s", domid, r.viaGsi() ? "xc_domain_gsi_permission" : "xc_domain_irq_permission", gsi, Errno.text(rc));
    }

    /** Snapshot support. */
    Map<Sbdf, XenPtDevice> attachedMap() { return new LinkedHashMap<>(attached); }
    Map<Sbdf, Route> routedMap() { return new LinkedHashMap<>(routed); }

    /** How libxl routed an attached device's interrupt, or null (not attached, or no INTx). */
    public synchronized Route route(Sbdf sbdf) {
        return routed.get(sbdf);
    }
    public ToolstackLog log() { return log; }
    StepBus steps() { return steps; }

    void restore(Map<Sbdf, XenPtDevice> devices, Map<Sbdf, Route> routes) {
        attached.clear();
        attached.putAll(devices);
        routed.clear();
        routed.putAll(routes);
        deviceModels.restore(devices.values());
    }

    public synchronized List<Sbdf> attachedDevices() {
        return new ArrayList<>(attached.keySet());
    }
}
