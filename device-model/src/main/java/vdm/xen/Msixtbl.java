package vdm.xen;

/**
 * Xen's msixtbl (xen/arch/x86/hvm/vmsi.c, issue 13: to be built): for an HVM guest whose device model emulates an
 * MSI-X table, Xen registers the guest's table address when a vector is bound with a gtable (msixtbl_pt_register
 * from pt_irq_create_bind) and intercepts the guest's accesses to it (msixtbl_range, msixtbl_read, msixtbl_write):
 * the Vector Control mask bit is applied to the physical entry by Xen itself, or, with XENFEAT_dm_msix_all_writes,
 * every such write also goes on to the device model. {@link MsiIrqs} calls register and unregister.
 */
public final class Msixtbl {
    private final Xen xen;

    Msixtbl(Xen xen) {
        this.xen = xen;
    }

    /** msixtbl_pt_register(d, pirq, gtable): 0 or the errno. */
    int register(Domain d, int pirq, long gtable) {
        return 0;
    }

    /** msixtbl_pt_unregister(d, pirq). */
    void unregister(Domain d, int pirq) {
    }
}
