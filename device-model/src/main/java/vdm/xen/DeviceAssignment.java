package vdm.xen;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vdm.errno.Errno;
import vdm.pci.Sbdf;

/**
 * Who holds each PCI function, and its vPCI in that domain: XEN_DOMCTL_assign_device / deassign_device
 * (xen/drivers/passthrough/pci.c assign_device, deassign_device) and vpci_assign_device / vpci_deassign_device.
 * Assigning takes the device out of the hardware domain's vPCI; the target gets a vPCI only if it has one
 * ({@code has_vpci(d)}): an HVM guest whose device model (QEMU) emulates config space has none, a guest Xen
 * emulates config space for ({@link Xen#createDomainWithVpci}) has one. Every method runs under Xen's lock.
 */
final class DeviceAssignment {
    private final Xen xen;
    /** Functions a domU holds, and which. */
    private final Map<Sbdf, Domain> assigned = new HashMap<>();
    /**
     * A copy of {@link #assigned}, replaced whole after every change (under Xen's lock) and read without it: for
     * callers already holding a lock that comes after Xen's (MSI set-up from a vPCI handler), which may not take it.
     */
    private volatile Map<Sbdf, Domain> view = Map.of();

    /** The domU holding {@code sbdf} now, or null, read without Xen's lock. */
    Domain assignedToLockFree(Sbdf sbdf) {
        return view.get(sbdf);
    }

    private void publish() {
        view = Map.copyOf(assigned);
    }

    DeviceAssignment(Xen xen) {
        this.xen = xen;
    }

    /** vpci_assign_device: builds the device's vPCI in {@code d} from the hardware's current state. */
    int addVpci(Domain d, Sbdf sbdf) {
        PciHardware hw = xen.bus().function(sbdf.packed());
        if (hw == null) return -Errno.ENODEV;
        if (d.vpci(sbdf) != null) return -Errno.EEXIST;
        Vpci vpci = new Vpci(sbdf, d.id(), hw, d.isHardwareDomain());
        Header header = Header.init(xen.log(), xen.config(), xen.memoryMap(), d, vpci);
        if (header == null) return -Errno.EINVAL;
        int rc = VpciCapabilities.init(xen, header);
        if (rc != 0) {
            header.unmapAll();
            leaveMsixTrap(d, header);
            vpci.clear();
            return rc;
        }
        d.attach(sbdf, vpci, header);
        return 0;
    }

    /**
     * pci_add_device for a function dom0 reports (PHYSDEVOP_pci_device_add): one Xen does not know yet (hot-plugged,
     * or removed before) gets pdev_msi_init and, for a PVH dom0, its vPCI built from the hardware as it is now ("For
     * devices not discovered by Xen during boot, add vPCI handlers when Dom0 first informs Xen about such devices"):
     * a hot-plugged function arrives with its BARs zeroed and decoding off. A function known already is left as it is.
     */
    int hotAdd(Sbdf sbdf) {
        if (xen.bus().function(sbdf.packed()) == null) return -Errno.ENODEV;
        Domain hw = xen.dom0();
        if (assigned.containsKey(sbdf) || hw.vpci(sbdf) != null) return 0;
        msiInit(sbdf);
        if (hw.hasVpci()) {
            int rc = addVpci(hw, sbdf);
            if (rc != 0) {
                xen.log().log(-1, vdm.log.Level.ERR, "Setup of vPCI failed: " + rc);
                return rc;
            }
        }
        xen.log().log(-1, vdm.log.Level.DEBUG, "PCI add device " + sbdf);
        return 0;
    }

    /** pci_remove_device (PHYSDEVOP_pci_device_remove): the owner's vPCI of the function goes (vpci_deassign_device). */
    int hotRemove(Sbdf sbdf) {
        if (xen.bus().function(sbdf.packed()) == null) return -Errno.ENODEV;
        Domain owner = assigned.getOrDefault(sbdf, xen.dom0());
        if (owner.vpci(sbdf) != null) removeVpci(owner, sbdf);
        xen.log().log(-1, vdm.log.Level.DEBUG, "PCI remove device " + sbdf);
        return 0;
    }

    /** cleanup_msix's list_del: the domain's MSI-X trap forgets the device. */
    private static void leaveMsixTrap(Domain d, Header h) {
        if (h.msix() != null && d.msixTrap != null) d.msixTrap.remove(h.msix());
    }

    /** MSI-X Message Control's Function Mask and Enable bits (PCI_MSIX_FLAGS_MASKALL, PCI_MSIX_FLAGS_ENABLE). */
    private static final int MSIX_MASKALL = 0x4000, MSIX_ENABLE = 0x8000;

    /**
     * pdev_msi_init's MSI-X part (passthrough/msi.c), when Xen learns of a device at boot. Xen 913751d7af ("x86/msi:
     * clear initial MSI-X state on boot", 4.18) added the fix-up: a function found with MASKALL or ENABLE set gets
     * XENLOG_WARNING "%pp: unexpected initial MSI-X state (MASKALL=%d, ENABLE=%d), fixing" and both bits cleared,
     * because pci_reset_msix_state takes a set MASKALL for Xen's own (host_maskall, guest_maskall). Only with
     * {@link XenConfig#msixResetInitialState}; before it, pdev_msi_init only read Message Control for the table size.
     */
    void msiInit(Sbdf sbdf) {
        if (!xen.config().msixResetInitialState()) return;
        PciHardware hw = xen.bus().function(sbdf.packed());
        int pos = hw == null ? 0 : VpciCapabilities.find(hw, VpciCapabilities.CAP_ID_MSIX);
        if (pos == 0) return;
        int ctrl = hw.read(pos + 2, 2);
        if ((ctrl & (MSIX_MASKALL | MSIX_ENABLE)) == 0) return;
        xen.log().warnFixedUp("Xen clears what firmware left (913751d7af)", -1,
                "%s: unexpected initial MSI-X state (MASKALL=%d, ENABLE=%d), fixing", sbdf,
                (ctrl & MSIX_MASKALL) != 0 ? 1 : 0, (ctrl & MSIX_ENABLE) != 0 ? 1 : 0);
        hw.write(pos + 2, 2, ctrl & ~(MSIX_MASKALL | MSIX_ENABLE));
    }

    /**
     * pdev_msix_assign -> pci_reset_msix_state (x86/msi.c, since 575e18d54d "pci: clear {host/guest}_maskall field on
     * assign", Xen 4.13): an MSI-X function whose MASKALL is set in hardware "could signal that the device hasn't been
     * reset properly" and is refused with {@code -EBUSY}, whatever set it (Xen, or firmware before 913751d7af's
     * boot-time clear). Every version vdm models has it.
     */
    private int resetMsixState(PciHardware hw) {
        int pos = VpciCapabilities.find(hw, VpciCapabilities.CAP_ID_MSIX);
        if (pos == 0) return 0;
        if ((hw.read(pos + 2, 2) & MSIX_MASKALL) != 0) return -Errno.EBUSY;
        return 0;
    }

    /** pci_reset_msix_state's effect once the assignment goes ahead: host_maskall and guest_maskall cleared. */
    private void clearMaskall(Sbdf sbdf) {
        synchronized (xen.msi()) {
            MsiProgramming.MsixState st = xen.msi().msixState(sbdf);
            st.hostMaskall = false;
            st.guestMaskall = false;
        }
    }

    /** vpci_deassign_device: drops the device's vPCI in {@code d}, unmapping what it had mapped. */
    int removeVpci(Domain d, Sbdf sbdf) {
        Header h = d.header(sbdf);
        if (h == null) return -Errno.ENODEV;
        h.unmapAll();
        leaveMsixTrap(d, h);
        h.vpci().clear();
        d.detach(sbdf);
        return 0;
    }

    Assignment assign(int domid, Sbdf sbdf) {
        Domain d = xen.domain(domid);
        if (d == null) return Assignment.failed(-Errno.ESRCH, sbdf);
        if (d.isHardwareDomain()) return Assignment.failed(-Errno.EINVAL, sbdf);
        if (xen.bus().function(sbdf.packed()) == null) return Assignment.failed(-Errno.ENODEV, sbdf);
        if (assigned.containsKey(sbdf)) return Assignment.failed(-Errno.EBUSY, sbdf);
        int context = contextMapping(d, xen.bus().function(sbdf.packed()));
        if (context != 0) return refused(d, sbdf, context);
        // assign_device runs pdev_msix_assign after vpci_deassign_device and leaves dom0 without the device's vPCI
        // when it refuses; vdm refuses first, so a refused assignment changes nothing.
        int msix = resetMsixState(xen.bus().function(sbdf.packed()));
        if (msix != 0) return refused(d, sbdf, msix);
        if (VpciCapabilities.find(xen.bus().function(sbdf.packed()), VpciCapabilities.CAP_ID_MSIX) != 0) clearMaskall(sbdf);
        Domain from = owner(sbdf);
        Vpci vpci = from == null ? null : from.vpci(sbdf);
        Header header = from == null ? null : from.header(sbdf);
        if (from != null) {
            header.unmapAll();
            leaveMsixTrap(from, header);
            from.detach(sbdf);
        }
        Assignment a = new Assignment(0, sbdf, from, vpci, header, d);
        if (d.hasVpci()) {
            int rc = addVpci(d, sbdf);
            if (rc != 0) {
                undo(a);
                return refused(d, sbdf, rc);
            }
        }
        assigned.put(sbdf, d);
        publish();
        return a;
    }

    /** PCI_CLASS_BRIDGE_HOST: pdev_type (passthrough/pci.c) calls a function of class 06 00 DEV_TYPE_PCI_HOST_BRIDGE. */
    static final int CLASS_BRIDGE_HOST = 0x0600;

    /**
     * What the IOMMU says to giving {@code target} the function, as Intel VT-d's domain_context_mapping
     * (drivers/passthrough/vtd/iommu.c, reached from intel_iommu_assign_device through reassign_device_ownership)
     * decides by pdev->type: a host bridge gets no context entry and may belong to the hardware domain only
     * (-EPERM); PCIe, PCIe-to-PCI and legacy bridges get none either and pass; an endpoint is mapped. pdev_type
     * reads the class word (0x0a) when Xen learns of the device; a class is read-only, so reading it now is the same.
     */
    private static int contextMapping(Domain target, PciHardware hw) {
        boolean hostBridge = hw.read(0x0a, 2) == CLASS_BRIDGE_HOST;
        return hostBridge && !target.isHardwareDomain() ? -Errno.EPERM : 0;
    }

    /**
     * A failure inside assign_device (passthrough/pci.c), which prints XENLOG_G_WARNING "%pd: assign %s(%pp) failed
     * (%d)" (the %s names a phantom function; vdm has none). Checks before it (device_assigned) fail silently.
     */
    private Assignment refused(Domain d, Sbdf sbdf, int rc) {
        xen.log().warn(-1, "d%d: assign (%s) failed (%d)", d.id(), sbdf, rc);
        return Assignment.failed(rc, sbdf);
    }

    /**
     * What XEN_DOMCTL_assign_device to DOMID_IO, libxl's quarantine at pci-assignable-add, answers. device_assigned
     * refuses a function Xen does not know (-ENODEV) and one a domU holds (-EBUSY). With the default quarantine
     * (CONFIG_IOMMU_QUARANTINE_BASIC, no RMRR) intel_iommu_quarantine_init leaves the function no page tables, so
     * reassign_device_ownership takes its QUARANTINE_SKIP branch: domain_context_unmap from the source, the hardware
     * domain, which passes for a host bridge too; its refusal comes at pci-attach ({@link #contextMapping}). vdm
     * models the answer only: the function is not moved to dom_io and keeps its vPCI in the hardware domain.
     */
    int quarantine(Sbdf sbdf) {
        if (xen.bus().function(sbdf.packed()) == null) return -Errno.ENODEV;
        if (assigned.containsKey(sbdf)) return -Errno.EBUSY;
        // assign_device to dom_io runs pdev_msix_assign too, and its failure prints the same warning, %pd of dom_io
        // being "d[IO]"
        int rc = resetMsixState(xen.bus().function(sbdf.packed()));
        if (rc != 0) xen.log().warn(-1, "d[IO]: assign (%s) failed (%d)", sbdf, rc);
        return rc;
    }

    /** Puts a successful assignment back: the same vPCI objects return, so the hardware domain's cache is as it was. */
    void undo(Assignment a) {
        if (a.rc() != 0) return;
        Sbdf sbdf = a.sbdf();
        if (a.to().vpci(sbdf) != null) removeVpci(a.to(), sbdf);
        assigned.remove(sbdf, a.to());
        publish();
        if (a.from() != null) {
            a.from().attach(sbdf, a.fromVpci(), a.fromHeader());
            if (a.fromHeader().msix() != null) MsixTableTrap.of(xen, a.from()).add(a.fromHeader().msix());
        }
    }

    /** The device returns to the hardware domain, whose vPCI is rebuilt from the hardware (a PVH dom0; PV has none). */
    int deassign(int domid, Sbdf sbdf) {
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (assigned.get(sbdf) != d) return -Errno.ENODEV;
        if (d.vpci(sbdf) != null) removeVpci(d, sbdf);
        assigned.remove(sbdf);
        publish();
        Domain dom0 = xen.dom0();
        return dom0 != null && dom0.hasVpci() ? addVpci(dom0, sbdf) : 0;
    }

    Domain assignedTo(Sbdf sbdf) {
        return assigned.get(sbdf);
    }

    List<Sbdf> assignedDevices(Domain d) {
        return assigned.entrySet().stream().filter(e -> e.getValue() == d).map(Map.Entry::getKey).sorted().toList();
    }

    /** The domain whose vPCI holds the device, or null. */
    Domain owner(Sbdf sbdf) {
        for (Domain d : xen.domainsUnlocked()) if (d.vpci(sbdf) != null) return d;
        return null;
    }

    /** A domain that goes away (destroy or a state restore) holds nothing any more. */
    void forget(Domain d) {
        assigned.values().removeIf(x -> x == d);
        publish();
    }

    Map<Sbdf, Domain> snapshot() {
        return new HashMap<>(assigned);
    }

    void restore(Map<Sbdf, Domain> saved) {
        assigned.clear();
        assigned.putAll(saved);
        publish();
    }
}
