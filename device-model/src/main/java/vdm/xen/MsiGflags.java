package vdm.xen;

/**
 * The gflags of XEN_DOMCTL_bind_pt_irq for PT_IRQ_TYPE_MSI (public/domctl.h, XEN_DOMCTL_VMSI_X86_*): the guest's
 * destination id, redirection hint and destination mode from its MSI address, delivery mode and trigger mode from
 * its MSI data, and whether the vector is bound unmasked. vmsi.c's msi_gflags and QEMU's msi_msg_to_gflags
 * (hw/xen/xen_pt_msi.c) both build it from a guest message.
 */
public final class MsiGflags {
    public static final int DEST_ID_MASK = 0x0000ff;
    public static final int RH = 0x000100;
    public static final int DM = 0x000200;
    public static final int DELIV_MASK = 0x007000;
    public static final int TRIG = 0x008000;
    public static final int UNMASKED = 0x010000;

    /** MSI address bits (Intel SDM vol. 3, 11.11.1): destination id 19:12, redirection hint 3, destination mode 2. */
    static final long ADDR_DEST_ID_MASK = 0x000ff000L, ADDR_RH = 1 << 3, ADDR_DM = 1 << 2;
    /** MSI data bits (11.11.2): vector 7:0, delivery mode 10:8, trigger mode 15. */
    static final int DATA_VECTOR_MASK = 0xff, DATA_DELIVERY_MASK = 0x700, DATA_TRIGGER = 1 << 15;

    private MsiGflags() {}

    /** vmsi.c's msi_gflags(data, addr, masked). */
    public static int of(int data, long address, boolean masked) {
        int dest = (int) ((address & ADDR_DEST_ID_MASK) >>> 12);
        return dest
                | ((address & ADDR_RH) != 0 ? RH : 0)
                | ((address & ADDR_DM) != 0 ? DM : 0)
                | ((data & DATA_DELIVERY_MASK) >>> 8) << 12
                | ((data & DATA_TRIGGER) != 0 ? TRIG : 0)
                | (masked ? 0 : UNMASKED);
    }

    public static int destination(int gflags) { return gflags & DEST_ID_MASK; }
    public static boolean unmasked(int gflags) { return (gflags & UNMASKED) != 0; }
}
