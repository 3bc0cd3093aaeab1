package vdm.toolstack;

import java.util.List;
import vdm.xen.MmioIntercept;
import vdm.xen.Vcpu;

/**
 * One guest's QEMU as its ioreq server for memory (xen-hvm's handle_ioreq -> address_space_rw): the accesses Xen
 * forwards because neither the guest's p2m nor one of Xen's intercepts took them reach the memory regions QEMU has
 * there, which for passthrough are the MSI-X tables of the guest's devices (one QEMU per guest: its devices share
 * the server). An address no region covers is not claimed (Xen then reads all ones). The set of tables is replaced
 * whole through a volatile field; the access path walks it allocating nothing.
 */
final class DeviceModelMmio implements MmioIntercept {
    private volatile XenPtMsix[] tables = new XenPtMsix[0];

    /** The MSI-X tables of the guest's devices now (after an attach, a detach or a state restore). */
    void tables(List<XenPtMsix> now) {
        tables = now.toArray(XenPtMsix[]::new);
    }

    boolean isEmpty() {
        return tables.length == 0;
    }

    private XenPtMsix find(long gaddr) {
        for (XenPtMsix t : tables) if (t.claims(gaddr)) return t;
        return null;
    }

    @Override
    public boolean claims(Vcpu vcpu, long gaddr) {
        return find(gaddr) != null;
    }

    @Override
    public long read(Vcpu vcpu, long gaddr, int size) {
        XenPtMsix t = find(gaddr);
        return t == null ? (size == 8 ? -1L : -1L >>> (64 - 8 * size)) : t.read(gaddr, size);
    }

    @Override
    public void write(Vcpu vcpu, long gaddr, int size, long value) {
        XenPtMsix t = find(gaddr);
        if (t != null) t.write(gaddr, size, value);
    }
}
