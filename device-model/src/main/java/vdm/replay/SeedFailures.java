package vdm.replay;

import java.util.List;
import vdm.errno.Errno;
import vdm.explore.Op;
import vdm.host.WideHost;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.model.Preset;

/**
 * The first chapter: the four failures of the patch series that started vdm ("[RFC KERNEL PATCH v4 0/3] Support
 * device passthrough when dom0 is PVH on Xen", Jiqian Chen), each replayed on the wide host with upstream's switches
 * and its own fix off.
 */
final class SeedFailures {
    private SeedFailures() {}

    private static final String SERIES = "[RFC KERNEL PATCH v4 %s] %s (Jiqian Chen); upstream as %s";

    static List<KnownFailure> all() {
        Fixes upstream = Preset.UPSTREAM.fixes();
        return List.of(
                KnownFailure.named("stale-vpci-cache")
                        .source(String.format(SERIES, "1/3", "xen/pci: Add xen_reset_device_state function",
                                "Xen 4.20 PHYSDEVOP_pci_device_reset and Linux 6.12 xen_reset_device"))
                        .summary("pciback resets the device and Xen is not told: vPCI's cached header still says mapped, so bar_write drops pciback's restore")
                        .host(HostRef.WIDE, WideHost.NIC)
                        .fix(Fix.RESET_NOTIFICATION, upstream)
                        .ordering(Op.ASSIGN)
                        .fails(Op.ASSIGN, "restore was dropped")
                        .explorer(KnownFailure.ExplorerSearch.within(1))
                        .build(),
                KnownFailure.named("pvh-map-pirq")
                        .source(String.format(SERIES, "0/3", "Support device passthrough when dom0 is PVH on Xen",
                                "Xen 4.20's hvm_physdev_op letting map_pirq through (\"x86/pvh: Allow (un)map_pirq when dom0 is PVH\")"))
                        .summary("a PVH dom0 has no pirqs, so hvm_physdev_op refuses QEMU's map_pirq: the guest gets no interrupt")
                        .host(HostRef.WIDE, WideHost.NIC)
                        .fix(Fix.PVH_MAP_PIRQ, upstream)
                        .ordering(Op.ASSIGN, Op.ATTACH)
                        .fails(Op.ATTACH, "xc_physdev_map_pirq_gsi gsi=16 (error=-1): Function not implemented", Errno.ENOSYS)
                        .explorer(KnownFailure.ExplorerSearch.within(2))
                        .build(),
                KnownFailure.named("gsi-not-registered")
                        .source(String.format(SERIES, "2/3", "xen/pvh: Setup gsi for passthrough device",
                                "Linux 6.12 xen-pciback's xen_pvh_setup_gsi and Xen 4.20 XEN_DOMCTL_gsi_permission"))
                        .summary("a PVH dom0 never unmasks a passed-through device's pin, so its GSI is never set up and the irq permission is refused")
                        .host(HostRef.WIDE, WideHost.NIC)
                        .fix(Fix.SETUP_GSI, upstream)
                        .ordering(Op.ASSIGN, Op.ATTACH)
                        .fails(Op.ATTACH, "xc_domain_irq_permission irq=16 (error=-1): Operation not permitted", Errno.EPERM)
                        .explorer(KnownFailure.ExplorerSearch.within(2))
                        .build(),
                KnownFailure.named("irq-taken-for-gsi")
                        .source(String.format(SERIES, "3/3", "PCI/sysfs: Add gsi sysfs for pci_dev",
                                "Linux 6.12 IOCTL_PRIVCMD_PCIDEV_GET_GSI and libxl's xc_pcidev_get_gsi"))
                        .summary("libxl reads sysfs irq, a Linux IRQ number, and maps it as a GSI: the guest gets the wrong line")
                        .host(HostRef.WIDE, WideHost.NVME)
                        .fix(Fix.GSI_LOOKUP, upstream.withGsiLookup(Fixes.GsiLookup.NONE), upstream)
                        .ordering(Op.ASSIGN, Op.ATTACH)
                        .fails(Op.ATTACH, "the wrong line")
                        .explorer(KnownFailure.ExplorerSearch.within(2))
                        .build());
    }
}
