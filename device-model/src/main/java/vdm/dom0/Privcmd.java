package vdm.dom0;

import vdm.pci.Sbdf;
import vdm.errno.Errno;

/**
 * The privcmd driver's IOCTL_PRIVCMD_PCIDEV_GET_GSI {sbdf, gsi} (Linux 6.12, the upstream answer to "a Linux IRQ
 * is not a GSI"): privcmd_ioctl_pcidev_get_gsi -> xen_acpi_get_gsi_from_sbdf -> pciback's pcistub_get_gsi_from_sbdf,
 * which answers {@code -ENODEV} for a device pciback does not hold and otherwise psdev->gsi, the GSI
 * pcistub_init_device recorded when it seized the device. Nothing re-evaluates _PRT: after an _SRS re-route of the
 * link the answer is stale, and libxl maps the wrong line. A device with no GSI recorded answers psdev->gsi's
 * initial -1, which privcmd returns as it is (-1, read as -EPERM). With gsi-current (a review point, not upstream)
 * pciback answers the route _PRT gives now ({@link Pciback#gsiForPrivcmd}).
 */
public final class Privcmd {
    private final Dom0Kernel kernel;

    Privcmd(Dom0Kernel kernel) {
        this.kernel = kernel;
    }

    /** The GSI, or a -errno. */
    public int pcidevGetGsi(Sbdf sbdf) {
        if (!kernel.exists(sbdf) || !kernel.pciback().holds(sbdf)) return -Errno.ENODEV;
        return kernel.pciback().gsiForPrivcmd(sbdf);
    }
}
