package vdm.dom0;

import vdm.pci.Sbdf;
import vdm.errno.Errno;

/**
 * The privcmd driver's IOCTL_PRIVCMD_PCIDEV_GET_GSI {sbdf, gsi} (Linux 6.12, the upstream answer to "a Linux IRQ
 * is not a GSI"): answers for a device pciback holds ({@code -ENODEV} otherwise) that has a legacy interrupt
 * ({@code -ENOENT} otherwise). vdm evaluates _PRT at the call, so a link re-routed by _SRS is seen fresh.
 */
public final class Privcmd {
    private final Dom0Kernel kernel;

    Privcmd(Dom0Kernel kernel) {
        this.kernel = kernel;
    }

    /** The GSI, or a -errno. */
    public int pcidevGetGsi(Sbdf sbdf) {
        if (!kernel.exists(sbdf) || !kernel.pciback().holds(sbdf)) return -Errno.ENODEV;
        return kernel.gsiInfo(sbdf).map(r -> r.gsi()).orElse(-Errno.ENOENT);
    }
}
