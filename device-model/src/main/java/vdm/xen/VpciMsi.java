package vdm.xen;

/**
 * vPCI's MSI capability for the hardware domain (xen/drivers/vpci/msi.c): Message Control is synthesised from Xen's
 * own state (enable, the vectors dom0 enabled, 64-bit and per-vector masking as the device has them), the address,
 * data and mask bits are Xen's copies, and enabling maps a pirq and binds it to dom0's vector (vmsi.c's arch hooks,
 * {@link VpciMsiArch}). The pending bits are not trapped: dom0 reads the hardware's. Handlers run under the vPCI lock.
 */
final class VpciMsi {
    static final int FLAGS_ENABLE = 0x0001, FLAGS_QMASK = 0x000e, FLAGS_QSIZE = 0x0070, FLAGS_64BIT = 0x0080,
            FLAGS_MASKBIT = 0x0100;

    private final VpciMsiArch arch;
    private final int pos;
    /** pdev->msi_maxvec: the vectors the device can generate (Multiple Message Capable). */
    private final int maxVectors;
    private final boolean address64, masking;
    private long address;
    private int data, mask, vectors = 1; // Multiple Message Enable is 0 after reset: one vector
    private volatile boolean enabled;
    private int pirq = VpciMsiArch.INVALID_PIRQ;
    private boolean bound;

    private VpciMsi(VpciMsiArch arch, int pos, int control) {
        this.arch = arch;
        this.pos = pos;
        this.maxVectors = 1 << ((control & FLAGS_QMASK) >>> 1);
        this.address64 = (control & FLAGS_64BIT) != 0;
        this.masking = (control & FLAGS_MASKBIT) != 0;
    }

    /** init_msi: the handlers on Message Control, address (low, high), data and, with per-vector masking, the mask bits. */
    static int init(Vpci vpci, VpciMsiArch arch, int pos) {
        VpciMsi msi = new VpciMsi(arch, pos, vpci.hardware().read(pos + 2, 2));
        int rc = vpci.addRegister((v, r) -> msi.controlRead(), (v, r, val) -> msi.controlWrite(v, val), pos + 2, 2, msi);
        if (rc == 0) rc = vpci.addRegister((v, r) -> (int) msi.address, (v, r, val) -> msi.addressWrite(val, false), pos + 4, 4, msi);
        int dataReg = pos + (msi.address64 ? 12 : 8);
        if (rc == 0) rc = vpci.addRegister((v, r) -> msi.data, (v, r, val) -> msi.dataWrite(val), dataReg, 2, msi);
        if (rc == 0 && msi.address64) {
            rc = vpci.addRegister((v, r) -> (int) (msi.address >>> 32), (v, r, val) -> msi.addressWrite(val, true), pos + 8, 4, msi);
        }
        if (rc == 0 && msi.masking) rc = vpci.addRegister((v, r) -> msi.mask, (v, r, val) -> msi.maskWrite(val), dataReg + 4, 4, msi);
        return rc;
    }

    private static int fls(int x) {
        return 32 - Integer.numberOfLeadingZeros(x);
    }

    /** control_read: Xen's state, never the hardware's Message Control. */
    int controlRead() {
        return (fls(maxVectors) - 1) << 1 | (fls(vectors) - 1) << 4 | (enabled ? FLAGS_ENABLE : 0)
                | (masking ? FLAGS_MASKBIT : 0) | (address64 ? FLAGS_64BIT : 0);
    }

    /**
     * control_write: a change of the enable bit, or of the vector count while enabled (disable, then enable again),
     * goes through the arch hooks; the hardware then gets Xen's synthesised Message Control. An enable whose pirq
     * cannot be mapped leaves MSI disabled and the hardware untouched.
     */
    private PendingMapping controlWrite(Vpci vpci, int val) {
        int wanted = Math.min(1 << ((val & FLAGS_QSIZE) >>> 4), maxVectors);
        boolean newEnabled = (val & FLAGS_ENABLE) != 0;
        if (newEnabled == enabled && (wanted == vectors || !enabled)) {
            vectors = wanted;
            return null;
        }
        if (newEnabled) {
            if (enabled) {
                disableArch();
                enabled = false;
            }
            if (enableArch(wanted) != 0) return null;
        } else {
            disableArch();
        }
        vectors = wanted;
        enabled = newEnabled;
        vpci.hardware().write(pos + 2, 2, controlRead());
        return null;
    }

    /** vpci_msi_arch_enable: a pirq for {@code n} vectors, bound unless the address is refused (it stays mapped). */
    private int enableArch(int n) {
        int rc = arch.enable(n, 0);
        if (rc < 0) return rc;
        pirq = rc;
        bound = arch.update(data, address, n, pirq, mask) == 0;
        return 0;
    }

    /** vpci_msi_arch_disable. */
    private void disableArch() {
        arch.disable(pirq, vectors, bound);
        pirq = VpciMsiArch.INVALID_PIRQ;
        bound = false;
    }

    /** update_msi -> vpci_msi_arch_update: rebind with the new address or data while enabled. */
    private void update() {
        if (!enabled) return;
        if (bound) arch.unbind(pirq, vectors);
        bound = arch.update(data, address, vectors, pirq, mask) == 0;
    }

    private PendingMapping addressWrite(int val, boolean high) {
        address = high ? (address & 0xffffffffL) | (long) val << 32 : (address & ~0xffffffffL) | (val & 0xffffffffL);
        update();
        return null;
    }

    private PendingMapping dataWrite(int val) {
        data = val & 0xffff;
        update();
        return null;
    }

    /** mask_write: each changed bit of an enabled vector reaches vpci_msi_arch_mask. */
    private PendingMapping maskWrite(int val) {
        int changed = mask ^ val;
        if (changed == 0) return null;
        if (enabled) {
            changed &= -1 >>> (32 - vectors);
            while (changed != 0) {
                int i = Integer.numberOfTrailingZeros(changed);
                arch.mask(pirq + i, ((val >>> i) & 1) != 0);
                changed &= changed - 1;
            }
        }
        mask = val;
        return null;
    }

    boolean enabled() { return enabled; }
    int pirq() { return pirq; }
    boolean bound() { return bound; }
    int vectors() { return vectors; }

    VpciMsiState.Msi state() {
        return new VpciMsiState.Msi(address, data, mask, vectors, enabled, pirq, bound);
    }

    void restore(VpciMsiState.Msi s) {
        address = s.address();
        data = s.data();
        mask = s.mask();
        vectors = s.vectors();
        enabled = s.enabled();
        pirq = s.pirq();
        bound = s.bound();
    }
}
