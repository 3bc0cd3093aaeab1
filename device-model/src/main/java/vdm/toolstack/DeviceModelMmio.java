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

    /**
     * A QWORD at a DWORD-aligned address reaches the table as two DWORDs, low first: QEMU's memory core cuts an access
     * to the region's largest valid size (flatview_read/write_continue -> memory_access_size, pci_msix_ops' valid
     * max_access_size 4), so only narrower or misaligned accesses are refused by XenPtMsix.
     */
    private static boolean split(long gaddr, int size) {
        return size == 8 && (gaddr & 3) == 0;
    }

    @Override
    public long read(Vcpu vcpu, long gaddr, int size) {
        XenPtMsix t = find(gaddr);
        if (t == null) return size == 8 ? -1L : -1L >>> (64 - 8 * size);
        if (!split(gaddr, size)) return t.read(gaddr, size);
        XenPtMsix high = find(gaddr + 4);
        long hi = high == null ? 0xffff_ffffL : high.read(gaddr + 4, 4);
        return t.read(gaddr, 4) & 0xffff_ffffL | hi << 32;
    }

    @Override
    public void write(Vcpu vcpu, long gaddr, int size, long value) {
        XenPtMsix t = find(gaddr);
        if (t == null) return;
        if (!split(gaddr, size)) {
            t.write(gaddr, size, value);
            return;
        }
        t.write(gaddr, 4, value & 0xffff_ffffL);
        XenPtMsix high = find(gaddr + 4);
        if (high != null) high.write(gaddr + 4, 4, value >>> 32);
    }
}
