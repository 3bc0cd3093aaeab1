package vdm.replay;

import java.util.List;
import vdm.errno.Errno;
import vdm.explore.Op;
import vdm.host.WideHost;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.model.Preset;

/** A chapter of the failure library: who may use what: iomem permissions, MSI ownership, a shared line. */
final class PermissionFailures {
    private PermissionFailures() {}

    static List<KnownFailure> all() {
        Fixes upstream = Preset.UPSTREAM.fixes();
        return List.of(
                KnownFailure.named("xsa476-bar-truncation")
                        .source("XSA-476 / CVE-2025-58149: Xen 421432b822 \"tools/libs/light: fix BAR memory address truncation\" (Jiqian Chen)")
                        .summary("libxl's detach reads sysfs resource into unsigned ints: of the GPU's BARs above 4 GiB one is not revoked (its low"
                                + " 32 bits are 0), the other at the wrong frames, and the guest keeps iomem permission for a device it gave back")
                        .host(HostRef.WIDE, WideHost.GPU)
                        .fix(Fix.LIBXL_RESOURCE_64, upstream)
                        .ordering(Op.ASSIGN, Op.ATTACH, Op.DETACH)
                        .fails(Op.DETACH, "granted beyond them")
                        .explorer(KnownFailure.ExplorerSearch.within(3))
                        .build(),
                KnownFailure.named("xsa237-msi-unowned")
                        .source("XSA-237 / CVE-2017-15590: Xen 3308374b1b \"x86: don't allow MSI pIRQ mapping on unowned device\" (Jan Beulich;"
                                + " Reported-by: HW42, who was adding MSI support to Qubes OS's stub domains, QubesOS/qubes-vmm-xen#15)")
                        .summary("before XSA-237 map_domain_pirq found an MSI's device whoever owned it: dom0 maps (and programs) an MSI of a"
                                + " device into a guest that was never given it")
                        .host(HostRef.WIDE, WideHost.NIC)
                        .fix(Fix.MSI_MAP_OWNED, upstream)
                        .ordering(Op.MAP_BEFORE_ASSIGN)
                        .fails(Op.MAP_BEFORE_ASSIGN, "which does not hold it")
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .fixNote("The switch is Xen's own check (pci_get_pdev_by_domain in map_domain_pirq), not a toolstack ordering: libxl"
                                + " assigns a device (XEN_DOMCTL_assign_device) before QEMU's device_add, and QEMU maps an MSI only when the"
                                + " guest enables it, so no upstream ordering maps first; Qubes' own stub-domain patches of the time change"
                                + " who may map (a stub domain, for its target), not when. What was hit is the unchecked lookup itself, and"
                                + " the cure was the check. Off, the map succeeds and msi-owned fires.")
                        .build(),
                KnownFailure.named("shared-gsi-unshared")
                        .source("Xen's pirq_guest_bind (xen/arch/x86/irq.c) and pt_irq_create_bind (xen/drivers/passthrough/x86/hvm.c):"
                                + " \"Cannot bind IRQ%d to dom%d. Others do not share.\"; no upstream fix")
                        .summary("dom0's driver of 01:00.1 takes the line it shares with 01:00.0 through an edge-triggered link, so Xen binds"
                                + " it to dom0 unshared; the guest given 01:00.0 is refused the line (-EBUSY) and gets no INTx")
                        .host(HostRef.file("wide-edge-lnkb.json"), WideHost.GPU)
                        .fix(Fix.SHARED_LINE_MSI, upstream)
                        .ordering(Op.SHARED_INTX, Op.ASSIGN, Op.ATTACH)
                        .fails(Op.ATTACH, "Others do not share", Errno.EBUSY)
                        .explorer(KnownFailure.ExplorerSearch.within(3))
                        .fixNote("Upstream has no fix: an irq bound to the hardware domain edge-triggered is never shared (pt_irq_create_bind"
                                + " passes the vIO-APIC pin's trigger mode as will_share). The switch models the usual workaround, dom0's"
                                + " driver of the other function taking MSI, so that dom0 never unmasks, and Xen never binds, the shared pin."
                                + " The text is \"Others do not share\", not \"Will not share with others\": the faithful ordering has dom0"
                                + " bind first (a domU always binds with BIND_PIRQ__WILL_SHARE), and once the GSI is set up a later unmask by"
                                + " dom0 is -EEXIST in vioapic_hwdom_map_gsi, which binds nothing, so dom0 is never the one refused.")
                        .build());
    }
}
