package vdm.toolstack;

import vdm.dom0.Dom0Kernel;
import vdm.pci.Sbdf;
import vdm.xen.Domain;
import vdm.xen.Xen;

/**
 * What QEMU's emulation of one passed-through device reaches (XenPCIPassthroughState's xen_xc, xen_domid and
 * real_device): the hypervisor, dom0's kernel for the host's config space, the toolstack log, the guest and the host
 * function; with xen_pt.h's XEN_PT_LOG / XEN_PT_WARN / XEN_PT_ERR, whose lines start with the guest's
 * "[00:slot.0] " and the function's name.
 */
record PtContext(Xen xen, Dom0Kernel kernel, ToolstackLog log, Domain guest, Sbdf host, int guestSlot) {

    String prefix() {
        return String.format("[00:%02x.0] ", guestSlot);
    }

    /** XEN_PT_LOG(d, fmt): "%s: " with __func__. */
    void info(String function, String format, Object... args) {
        log.info(ToolstackLog.Source.QEMU, prefix() + function + ": " + String.format(format, args));
    }

    /** XEN_PT_WARN: "Warning: " after the function's name. */
    void warn(String function, String format, Object... args) {
        log.warning(ToolstackLog.Source.QEMU, prefix() + function + ": Warning: " + String.format(format, args));
    }

    /** XEN_PT_ERR: "Error: " after the function's name; {@code rc} is the failure it reports (-errno, or -1). */
    void error(String function, int rc, String format, Object... args) {
        log.error(ToolstackLog.Source.QEMU, prefix() + function + ": Error: " + String.format(format, args), rc);
    }

    /** xen_host_pci_get_word and friends: the host's config space through dom0 (sysfs config). */
    int hostRead(int offset, int size) {
        return kernel.cfgRead(host, offset, size);
    }

    void hostWrite(int offset, int size, int value) {
        kernel.cfgWrite(host, offset, size, value);
    }

    /** XEN_PT_MERGE_VALUE(value, data, mask): the bits of {@code value} under {@code mask}, the rest from {@code data}. */
    static int merge(int value, int data, int mask) {
        return (value & mask) | (data & ~mask);
    }
}
