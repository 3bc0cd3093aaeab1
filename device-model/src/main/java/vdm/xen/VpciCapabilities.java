package vdm.xen;

import vdm.errno.Errno;

/**
 * vPCI's MSI and MSI-X for a hardware domain's device (cap.c's vpci_init_capabilities with msi.c's init_msi and
 * msix.c's init_msix): each capability the device has gets its handlers; one whose set-up fails is masked: its
 * Message Control becomes read-only (cleanup_msi/cleanup_msix with hide) and the capability list skips it
 * (vpci_capability_hide). Xen also emulates every other next pointer of dom0's list with the value it read at
 * set-up; vdm emulates only the one that changes, the others still read the device (the same values).
 */
final class VpciCapabilities {
    static final int CAP_ID_MSI = 0x05, CAP_ID_MSIX = 0x11;
    private static final int STATUS = 0x06, STATUS_CAP_LIST = 0x10, CAPABILITY_LIST = 0x34;

    private VpciCapabilities() {}

    /** pci_find_cap_offset: the offset of capability {@code id} in the device's list, or 0. */
    static int find(PciHardware hw, int id) {
        if ((hw.read(STATUS, 2) & STATUS_CAP_LIST) == 0) return 0;
        int ttl = 48;
        for (int pos = hw.read(CAPABILITY_LIST, 1) & 0xfc; pos >= 0x40 && ttl-- > 0; pos = hw.read(pos + 1, 1) & 0xfc) {
            if (hw.read(pos, 1) == id) return pos;
        }
        return 0;
    }

    /** Sets up MSI then MSI-X for the hardware domain's vPCI of the device. Returns 0 or the first errno of a hide. */
    static int init(Xen xen, Header header) {
        return init(xen, header, true);
    }

    /**
     * The handlers of a vPCI rebuilt from a captured state: as {@link #init}, except that an MSI-X capability the
     * state has no MSI-X for (its init had failed and it was masked) is masked again without running init_msix.
     */
    static int restore(Xen xen, Header header, boolean msixTrapped) {
        return init(xen, header, msixTrapped);
    }

    private static int init(Xen xen, Header header, boolean withMsix) {
        if (!header.domain().isHardwareDomain()) return 0; // a domU's capabilities are GuestCapabilities'
        Vpci vpci = header.vpci();
        PciHardware hw = vpci.hardware();
        VpciMsiArch arch = new VpciMsiArch(xen, header.domain(), header.sbdf());
        int msiPos = find(hw, CAP_ID_MSI);
        if (msiPos != 0) {
            int rc = VpciMsi.init(vpci, arch, msiPos);
            if (rc == 0) header.msi(findMsi(vpci, msiPos));
            else if ((rc = hide(xen, header, CAP_ID_MSI, msiPos, rc)) != 0) return rc;
        }
        int msixPos = find(hw, CAP_ID_MSIX);
        if (msixPos != 0 && !withMsix) return hide(xen, header, CAP_ID_MSIX, msixPos, 0);
        if (msixPos != 0) {
            int[] rc = {0};
            VpciMsix msix = VpciMsix.init(xen, header, arch, msixPos, rc);
            if (rc[0] != 0) {
                if (msix != null) MsixTableTrap.of(xen, header.domain()).remove(msix);
                header.msix(null);
                return hide(xen, header, CAP_ID_MSIX, msixPos, rc[0]);
            }
        }
        return 0;
    }

    private static VpciMsi findMsi(Vpci vpci, int pos) {
        return vpci.registerData(pos + 2) instanceof VpciMsi m ? m : null;
    }

    /**
     * The failure path of vpci_init_capabilities: "init legacy cap N fail rc=E, mask it" (rc 0: a restore masking it
     * again, silently), the capability's handlers
     * replaced by a read-only Message Control, and the capability unlinked from the list dom0 walks.
     */
    private static int hide(Xen xen, Header header, int cap, int pos, int rc) {
        Vpci vpci = header.vpci();
        PciHardware hw = vpci.hardware();
        if (rc != 0) xen.log().warn(-1, "d%d %s: init legacy cap %d fail rc=%d, mask it", header.domain().id(), header.sbdf(), cap, rc);
        int control = pos + 2;
        if (cap == CAP_ID_MSIX) header.msixMasked(true);
        vpci.removeRegisters(control, cap == CAP_ID_MSIX ? 2 : msiEnd(hw, pos) - control);
        int r = vpci.addRegister((v, reg) -> v.hardware().read(control, 2), null, control, 2, null);
        if (r != 0) {
            xen.log().log(-1, vdm.log.Level.ERR, String.format("d%d %s: fail to add %s ctrl handler rc=%d", header.domain().id(),
                    header.sbdf(), cap == CAP_ID_MSIX ? "MSIX" : "MSI", r));
            return r;
        }
        int next = hw.read(pos + 1, 1);
        int prev = previousPointer(hw, pos);
        if (prev < 0) return -Errno.ENODEV;
        return vpci.addRegister((v, reg) -> next, (v, reg, val) -> {
            v.hardware().write(prev, 1, val);
            return null;
        }, prev, 1, null);
    }

    /** cleanup_msi's end: the pending bits with masking, else the data register's end. */
    private static int msiEnd(PciHardware hw, int pos) {
        int control = hw.read(pos + 2, 2);
        boolean is64 = (control & VpciMsi.FLAGS_64BIT) != 0;
        int maskReg = pos + (is64 ? 16 : 12);
        return (control & VpciMsi.FLAGS_MASKBIT) != 0 ? maskReg + 4 : maskReg - 2;
    }

    /** The register that points at {@code pos}: 0x34, or the previous capability's next pointer; -1 if none does. */
    private static int previousPointer(PciHardware hw, int pos) {
        int pointer = CAPABILITY_LIST;
        int ttl = 48;
        for (int at = hw.read(CAPABILITY_LIST, 1) & 0xfc; at >= 0x40 && ttl-- > 0; at = hw.read(at + 1, 1) & 0xfc) {
            if (at == pos) return pointer;
            pointer = at + 1;
        }
        return -1;
    }
}
