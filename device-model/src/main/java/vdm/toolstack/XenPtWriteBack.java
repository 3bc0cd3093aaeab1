package vdm.toolstack;

import vdm.dom0.Dom0Kernel;
import vdm.pci.Sbdf;

/**
 * xen_pt's write-back of guest writes to config fields it does not know (xen_pt_pci_write_config, hw/xen/xen_pt.c),
 * XSA-131: by default such bytes are inhibited and the first inhibited write is logged with QEMU's three lines
 * ("Write-back to unknown field ... inhibited", "try enabling permissive mode"); with the device's
 * {@code permissive} property they reach the device. In vdm the unknown fields are the bytes from 0x40 on outside
 * the MSI and MSI-X groups (QEMU also emulates some registers of the PM and PCI Express groups: vdm does not).
 */
final class XenPtWriteBack {
    private final Dom0Kernel kernel;
    private final ToolstackLog log;
    private final Sbdf host;
    private final PtContext ctx;
    private boolean permissive;
    /** permissive_warned: QEMU warns once per device. */
    private boolean warned;

    XenPtWriteBack(Dom0Kernel kernel, ToolstackLog log, Sbdf host, PtContext ctx) {
        this.kernel = kernel;
        this.log = log;
        this.host = host;
        this.ctx = ctx;
    }

    boolean permissive() { return permissive; }

    void permissive(boolean on) { permissive = on; }

    /**
     * The bytes of a guest write at {@code offset} of {@code size} that fall on unknown fields ({@code unknown}: one
     * bit per byte of the access): written to the device if permissive, else dropped and, the first time, logged
     * with what still went out ({@code wb_mask}, the access's other bytes).
     */
    void unknown(int offset, int size, int value, int unknown) {
        if (unknown == 0) return;
        if (permissive) {
            for (int i = 0; i < size; i++) {
                if ((unknown & (1 << i)) != 0) kernel.cfgWrite(host, offset + i, 1, (value >>> (8 * i)) & 0xff);
            }
            return;
        }
        if (warned) return;
        warned = true;
        int wbMask = 0;
        for (int i = 0; i < size; i++) if ((unknown & (1 << i)) == 0) wbMask |= 0xff << (8 * i);
        String p = ctx.prefix();
        log.warning(ToolstackLog.Source.QEMU, p + String.format("Write-back to unknown field 0x%02x (partially) inhibited (0x%0" + size * 2 + "x)",
                offset, wbMask));
        log.warning(ToolstackLog.Source.QEMU, p + "If the device doesn't work, try enabling permissive mode");
        log.warning(ToolstackLog.Source.QEMU, p + "(unsafe) and if it helps report the problem to xen-devel");
    }
}
