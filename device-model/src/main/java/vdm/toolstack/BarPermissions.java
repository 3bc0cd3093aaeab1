package vdm.toolstack;

import java.util.Deque;
import vdm.dom0.Dom0Kernel;
import vdm.errno.Errno;
import vdm.pci.Sbdf;
import vdm.xen.Domain;
import vdm.xen.Xen;

/**
 * libxl's grant and revoke of a passed-through device's BARs (libxl_pci.c): the IO ports and machine frames each line
 * of the device's sysfs {@code resource} names, granted to the guest at attach (pci_add_dm_done) and revoked at
 * detach (pci_remove_detached).
 */
final class BarPermissions {
    private final Xen xen;
    private final Dom0Kernel kernel;
    private final ToolstackLog log;

    BarPermissions(Xen xen, Dom0Kernel kernel, ToolstackLog log) {
        this.xen = xen;
        this.kernel = kernel;
        this.log = log;
    }

    private void error(String format, Object... args) {
        log.error(ToolstackLog.Source.LIBXL, String.format(format, args), -1);
    }

    /** A failed grant, logged as libxl's LOGED does ("Domain N:call ... (error -1): text"). */
    private AttachResult failure(Domain d, int rc, String step, String text) {
        String msg = "Domain " + d.id() + ":" + text;
        error("%s", msg);
        return new AttachResult(rc, step, msg, -1);
    }

    /** PCI_BAR_IO in libxl_pci.c: the IORESOURCE_IO flag of a sysfs {@code resource} line. */
    private static final long PCI_BAR_IO = 0x100;

    /**
     * pci_add_dm_done's first loop over sysfs {@code resource} (parsed with {@code 0x%llx}): each IO BAR's ports are
     * granted to the guest with xc_domain_ioport_permission, which QEMU's XEN_DOMCTL_ioport_mapping needs, and each
     * memory BAR's frames with xc_domain_iomem_permission ({@code start >> XC_PAGE_SHIFT}, the size rounded up to
     * pages), which its XEN_DOMCTL_memory_mapping needs. A refusal fails the attach with libxl's message.
     */
    AttachResult grant(Domain d, Sbdf sbdf, Deque<Runnable> undo) {
        Domain dom0 = kernel.domain();
        for (var r : kernel.sysfs(sbdf).regions()) {
            if (r.start() == 0) continue;
            SysfsLine l = new SysfsLine(r.start(), r.end(), r.flags());
            if ((l.flags() & PCI_BAR_IO) != 0) {
                int start = (int) l.start(), size = (int) l.size();
                int rc = xen.domctls().ioportPermission(dom0, d.id(), start, size, true);
                if (rc != 0) {
                    // LOGED appends strerror(errno); "(error %d)" is libxc's -1
                    return failure(d, rc, "xc_domain_ioport_permission",
                            String.format("xc_domain_ioport_permission 0x%x/0x%x (error -1): %s", start, size, Errno.text(rc)));
                }
                undo.push(() -> xen.domctls().ioportPermission(dom0, d.id(), start, size, false));
            } else {
                long mfn = l.start() >>> SysfsLine.XC_PAGE_SHIFT, frames = l.pages();
                int rc = xen.domctls().iomemPermission(dom0, d.id(), mfn, frames, true);
                if (rc != 0) {
                    return failure(d, rc, "xc_domain_iomem_permission",
                            String.format("xc_domain_iomem_permission 0x%x/0x%x (error -1): %s", l.start(), l.size(), Errno.text(rc)));
                }
                undo.push(() -> xen.domctls().iomemPermission(dom0, d.id(), mfn, frames, false));
            }
        }
        return AttachResult.OK;
    }

    /**
     * pci_remove_detached's revoke: for each line of sysfs {@code resource}, xc_domain_ioport_permission(..., 0) for an
     * IO BAR and xc_domain_iomem_permission(..., 0) for a memory BAR; errors are logged and passed over. With
     * libxl-resource-64 off the line is parsed as libxl did before 421432b822 (XSA-476), into {@code unsigned int}s
     * ({@link SysfsLine#parsedAs32Bit}): a BAR above 4 GiB revokes the wrong frames, or none when its address's low 32
     * bits are 0 ({@code if (start)}), and the guest keeps its real ones.
     */
    void revoke(int domid, Sbdf sbdf) {
        boolean wide = kernel.fixes().on(vdm.model.Fix.LIBXL_RESOURCE_64);
        for (var r : kernel.sysfs(sbdf).regions()) {
            SysfsLine l = wide ? new SysfsLine(r.start(), r.end(), r.flags()) : SysfsLine.parsedAs32Bit(r.start(), r.end(), r.flags());
            if (l.start() == 0) continue;
            int rc;
            if ((l.flags() & PCI_BAR_IO) != 0) {
                rc = xen.domctls().ioportPermission(kernel.domain(), domid, (int) l.start(), (int) l.size(), false);
                if (rc != 0) error("Domain %d:xc_domain_ioport_permission error %#x/%#x: %s", domid, l.start(), l.size(), Errno.text(rc));
            } else {
                rc = xen.domctls().iomemPermission(kernel.domain(), domid, l.start() >>> SysfsLine.XC_PAGE_SHIFT, l.pages(), false);
                if (rc != 0) error("Domain %d:xc_domain_iomem_permission error %#x/%#x: %s", domid, l.start(), l.size(), Errno.text(rc));
            }
        }
    }

}
