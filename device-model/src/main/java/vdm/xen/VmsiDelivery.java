package vdm.xen;

import vdm.log.Level;

/**
 * vmsi_deliver (xen/arch/x86/hvm/vmsi.c): a guest vector with the destination, destination mode and delivery mode
 * from a binding's gflags goes to the domain's matching vLAPICs. Each vCPU's APIC id is twice its number, as Xen's
 * vlapic sets APIC_ID (set_x2apic_id: {@code v->vcpu_id * 2}); in logical mode each vLAPIC's logical id is the
 * flat-model bit {@code 1 << vcpu}, which the guest's kernel writes to LDR (Linux's default flat APIC mode).
 * Lock-free and allocation-free except the warning of an unsupported delivery mode.
 */
final class VmsiDelivery {
    static final int DEST_FIXED = 0, DEST_LOWEST_PRIO = 1;
    /** The xAPIC broadcast destination: every vLAPIC matches it in physical mode (vlapic_match_dest). */
    static final int BROADCAST = 0xff;

    private VmsiDelivery() {}

    static int apicId(int vcpu) {
        return vcpu * 2;
    }

    /** vmsi_deliver_pirq: the binding's gvec and gflags; 0, {@code -ESRCH} (no lowest-priority target) or {@code -EINVAL}. */
    static int deliver(XenLog log, Domain d, int gvec, int gflags) {
        int dest = gflags & MsiGflags.DEST_ID_MASK;
        boolean logical = (gflags & MsiGflags.DM) != 0;
        int mode = (gflags & MsiGflags.DELIV_MASK) >>> 12;
        MsiReceipts receipts = d.msiReceipts();
        int vcpus = d.vcpuCount();
        switch (mode) {
            case DEST_LOWEST_PRIO -> {
                // vlapic_lowest_prio: walk the vCPUs after the previous choice; every vLAPIC here has the same
                // priority (PPR 0), so the first match after the cursor wins and becomes the cursor.
                int old = receipts.roundRobinPrev();
                if (old < 0 || old >= vcpus) old = 0;
                int v = old;
                do {
                    v = v + 1 == vcpus ? 0 : v + 1;
                    if (matches(v, dest, logical)) {
                        receipts.roundRobinPrev(v);
                        receipts.record(gvec, apicId(v));
                        return 0;
                    }
                } while (v != old);
                return -vdm.errno.Errno.ESRCH; // "null MSI round robin" (a debug log only)
            }
            case DEST_FIXED -> {
                for (int v = 0; v < vcpus; v++) if (matches(v, dest, logical)) receipts.record(gvec, apicId(v));
                return 0;
            }
            default -> {
                log.log(d.id(), Level.WARNING, String.format("Unsupported MSI delivery mode %d for Dom%d", mode, d.id()));
                return -vdm.errno.Errno.EINVAL;
            }
        }
    }

    /** vlapic_match_dest with no shorthand: physical id or broadcast, or the flat logical id. */
    static boolean matches(int vcpu, int dest, boolean logical) {
        if (logical) return vcpu < 8 && ((1 << vcpu) & dest) != 0;
        return dest == BROADCAST || dest == apicId(vcpu);
    }
}
