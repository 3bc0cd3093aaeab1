package vdm.xen;

/**
 * One device's MSI-X msi_descs by entry number: the part of the pdev's msi_list that msixtbl_addr_to_desc walks
 * (xen/arch/x86/hvm/vmsi.c), as an array indexed by entry so a guest table access finds its desc in O(1). Changed
 * only under {@link MsiIrqs}' lock (map_pirq, destroy_irq, a restore), by publishing a new array; read without a lock
 * and without allocation, as Xen reads the list under rcu_read_lock. One object per device, never replaced, so
 * {@link Msixtbl} can keep it with the device's table.
 */
final class MsixDescs {
    private static final MsiDesc[] NONE = new MsiDesc[0];
    private volatile MsiDesc[] byEntry = NONE;

    /** The desc of entry {@code nr}, or null. Lock-free. */
    MsiDesc get(int nr) {
        MsiDesc[] a = byEntry;
        return nr >= 0 && nr < a.length ? a[nr] : null;
    }

    /** Any desc of the device (find_msi_entry(pdev, -1, PCI_CAP_ID_MSIX)), or null. Lock-free. */
    MsiDesc any() {
        for (MsiDesc d : byEntry) if (d != null) return d;
        return null;
    }

    /** Adds {@code d} at its entry. Caller holds the MSI irq lock. */
    void put(MsiDesc d) {
        MsiDesc[] a = byEntry;
        MsiDesc[] now = java.util.Arrays.copyOf(a, Math.max(a.length, d.entryNr + 1));
        now[d.entryNr] = d;
        byEntry = now;
    }

    /** Removes {@code d} if it is still the desc at its entry. Caller holds the MSI irq lock. */
    void remove(MsiDesc d) {
        MsiDesc[] a = byEntry;
        if (d.entryNr >= a.length || a[d.entryNr] != d) return;
        MsiDesc[] now = a.clone();
        now[d.entryNr] = null;
        byEntry = now;
    }

    /** Drops every desc (a restore, before it publishes the saved ones). Caller holds the MSI irq lock. */
    void clear() {
        byEntry = NONE;
    }
}
