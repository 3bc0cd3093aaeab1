package vdm.dom0;

import vdm.host.Host;
import vdm.pci.Sbdf;
import vdm.xen.Domain;
import vdm.xen.Xen;

/**
 * How dom0's kernel reaches configuration space (pci_bus_read_config_* -> raw_pci_read, arch/x86/pci/common.c). A PVH
 * dom0 is an HVM-like guest: its accesses trap into Xen on every segment (Xen traps the MMCFG region of each MCFG
 * entry, vpci_mmcfg_read/write in xen/arch/x86/hvm/io.c, and segment 0's CF8/CFC too), and vPCI (xen/drivers/vpci)
 * sees every one and may act on it (mapping BARs when decoding turns on, for one). A PV dom0's accesses reach the
 * device directly.
 */
final class PciConfigAccess {
    private final Host host;
    private final Xen xen;
    private final Domain dom0;

    PciConfigAccess(Host host, Xen xen, Domain dom0) {
        this.host = host;
        this.xen = xen;
        this.dom0 = dom0;
    }

    private boolean trapped(Sbdf sbdf) {
        return dom0.kind() == Domain.Kind.PVH;
    }

    int read(Sbdf sbdf, int offset, int size) {
        if (trapped(sbdf)) return xen.configRead(dom0.vcpu(0), sbdf.segment(), sbdf.bus() << 8 | sbdf.devfn(), offset, size);
        return host.read(sbdf, offset, size);
    }

    void write(Sbdf sbdf, int offset, int size, int value) {
        if (trapped(sbdf)) {
            xen.configWrite(dom0.vcpu(0), sbdf.segment(), sbdf.bus() << 8 | sbdf.devfn(), offset, size, value);
        } else {
            host.write(sbdf, offset, size, value);
        }
    }
}
