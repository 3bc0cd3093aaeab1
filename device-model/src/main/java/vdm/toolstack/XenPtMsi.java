package vdm.toolstack;

/**
 * QEMU's emulated MSI capability of one passed-through device (hw/xen/xen_pt_config_init.c, xen_pt_emu_reg_msi, and
 * hw/xen/xen_pt_msi.c): the guest programs its own address, data and enable; QEMU keeps them, and on enable maps the
 * device's vector (xen_pt_msi_setup) and binds it to the guest's vector (xen_pt_msi_update). An address or data change
 * while mapped re-binds; clearing enable unbinds and unmaps (xen_pt_msi_disable). The guest sees one vector (Multiple
 * Message Capable and the per-vector masking bit are emulated as 0, "no support for multi-vector") and its mask
 * register reads 0 and is not written. The physical enable reaches the device through dom0's config access, as the
 * rest of QEMU's write-back does.
 */
final class XenPtMsi {
    static final int FLAGS_ENABLE = 0x0001, FLAGS_QSIZE = 0x0070, FLAGS_64BIT = 0x0080, FLAGS_MASKBIT = 0x0100;
    /** Message Control's masks in xen_pt_emu_reg_msi. */
    private static final int CTRL_EMU = 0x017e, CTRL_RO = 0x018e, CTRL_RES = 0xfe00;

    private final PtContext ctx;
    private final XenPtMsiBinding binding;
    /** The capability's offset in config space. */
    private final int base;
    /** msi->flags: the device's Message Control at init (minus enable), the guest's emulated bits, enable while on. */
    private int flags;
    /** Message Control's emulated bits as the guest wrote them (init_val 0). */
    private int ctrl;
    private int addrLo, addrHi, data;
    private int pirq = XenPtMsiBinding.UNASSIGNED;
    private boolean initialized, mapped;

    /** The group at {@code base}, whose Message Control the host's config showed as {@code control} at realize. */
    XenPtMsi(PtContext ctx, int base, int control) {
        this.ctx = ctx;
        this.binding = new XenPtMsiBinding(ctx);
        this.base = base;
        flags = control & ~FLAGS_ENABLE;
    }

    /**
     * xen_pt_msgctrl_reg_init at realize: an MSI already enabled on the device is disabled first ("MSI already
     * enabled, disabling it first").
     */
    void realize() {
        int device = ctx.hostRead(base + 2, 2);
        if ((device & FLAGS_ENABLE) != 0) {
            ctx.info("xen_pt_msgctrl_reg_init", "MSI already enabled, disabling it first");
            ctx.hostWrite(base + 2, 2, device & ~FLAGS_ENABLE);
        }
    }

    GuestMsiState state() {
        return new GuestMsiState(flags, ctrl, addrLo, addrHi, data, pirq, initialized, mapped);
    }

    void restore(GuestMsiState s) {
        flags = s.flags();
        ctrl = s.ctrl();
        addrLo = s.addrLo();
        addrHi = s.addrHi();
        data = s.data();
        pirq = s.pirq();
        initialized = s.initialized();
        mapped = s.mapped();
    }

    int pirq() { return pirq; }
    boolean enabled() { return (flags & FLAGS_ENABLE) != 0; }
    boolean mapped() { return mapped; }
    long address() { return (long) addrHi << 32 | (addrLo & 0xffffffffL); }
    int data() { return data; }

    private boolean is64() { return (flags & FLAGS_64BIT) != 0; }
    private boolean maskbit() { return (flags & FLAGS_MASKBIT) != 0; }
    private int dataOffset() { return is64() ? 0x0c : 0x08; }
    private int maskOffset() { return is64() ? 0x10 : 0x0c; }

    /** xen_pt_msi_size_init: 0x0a bytes, 4 more with a 64-bit address, 10 more with per-vector masking. */
    int size() {
        return 0x0a + (is64() ? 4 : 0) + (maskbit() ? 10 : 0);
    }

    boolean covers(int offset) {
        return offset >= base && offset < base + size();
    }

    /** The emulated bits of the register at {@code rel} (offset in the capability) and its emulation mask, as a long. */
    private long emulated(int rel) {
        if (rel == 0x02) return pack(ctrl, CTRL_EMU);
        if (rel == 0x04) return pack(addrLo, -1);
        if (rel == 0x08 && is64()) return pack(addrHi, -1);
        if (rel == dataOffset()) return pack(data, 0xffff);
        if (maskbit() && rel == maskOffset()) return pack(0, -1); // the mask register's emulated value stays 0
        return pack(0, 0); // pending bits and bytes with no register: the device's
    }

    private static long pack(int value, int mask) {
        return (long) mask << 32 | (value & 0xffffffffL);
    }

    /** xen_pt_pci_read_config over this group: the device's bytes, with each register's emulated bits merged in. */
    int guestByte(int offset, int device) {
        int rel = offset - base;
        for (int start = 0x02; start <= rel; start++) {
            int size = registerSize(start);
            if (size == 0 || rel >= start + size) continue;
            long e = emulated(start);
            int shift = (rel - start) * 8;
            int emu = (int) (e >>> 32) >>> shift & 0xff, value = (int) e >>> shift & 0xff;
            return (device & ~emu | value & emu) & 0xff;
        }
        return device & 0xff;
    }

    /** The size of the register starting at {@code rel}, 0 if none starts there. */
    private int registerSize(int rel) {
        if (rel == 0x02) return 2;
        if (rel == 0x04) return 4;
        if (rel == dataOffset()) return 2;
        if (rel == 0x08 && is64()) return 4;
        if (maskbit() && (rel == maskOffset() || rel == maskOffset() + 4)) return 4;
        return 0;
    }

    /**
     * xen_pt_pci_write_config over this group: each register the access covers gets its bytes (valid_mask) and its
     * handler; the value each handler returns is written back to the device where it differs. Bytes with no register
     * (the capability id, the next pointer) are not written (QEMU inhibits the write-back of unknown fields).
     */
    void guestWrite(int offset, int size, int value) {
        for (int start = 0x02; start < size(); start++) {
            int rsize = registerSize(start);
            if (rsize == 0) continue;
            int abs = base + start;
            if (abs + rsize <= offset || abs >= offset + size) continue;
            int valid = 0, val = 0;
            for (int i = 0; i < rsize; i++) {
                int b = abs + i;
                if (b < offset || b >= offset + size) continue;
                valid |= 0xff << (8 * i);
                val |= ((value >>> (8 * (b - offset))) & 0xff) << (8 * i);
            }
            int device = ctx.hostRead(abs, rsize);
            int out = write(start, val, device, valid);
            if (out != device) ctx.hostWrite(abs, rsize, out);
            start += rsize - 1;
        }
    }

    /** One register's handler: the new emulated value, and the value for the device. */
    private int write(int rel, int val, int device, int valid) {
        if (rel == 0x02) return ctrlWrite(val, device, valid);
        if (rel == 0x04) {
            int old = addrLo;
            addrLo = PtContext.merge(val, addrLo, 0xfffffffc & valid); // ro_mask 0x3
            if (addrLo != old && mapped) update();                     // xen_pt_msgaddr32_reg_write
        } else if (rel == 0x08 && is64()) {
            int old = addrHi;
            addrHi = PtContext.merge(val, addrHi, valid);
            if (addrHi != old && mapped) update();                     // xen_pt_msgaddr64_reg_write
        } else if (rel == dataOffset()) {
            int old = data;
            data = PtContext.merge(val, data, 0xffff & valid);
            if (data != old && mapped) update();                       // xen_pt_msgdata_reg_write
        }
        // the mask register is read-only for the guest (ro_mask 0xffffffff): QEMU keeps the device's value
        return device;
    }

    /**
     * xen_pt_msgctrl_reg_write: the guest's Multiple Message Enable is kept (with a warning: QEMU gives one vector);
     * enable passes through. On the first enable the vector is mapped and bound, and a failure there keeps the
     * device's enable clear ("Can not map MSI", "Can not bind MSI"); clearing enable while mapped disables.
     */
    private int ctrlWrite(int val, int device, int valid) {
        if ((val & FLAGS_QSIZE & valid) != 0) ctx.warn("xen_pt_msgctrl_reg_write", "Tries to set more than 1 vector ctrl %x", val);
        ctrl = PtContext.merge(val, ctrl, CTRL_EMU & ~CTRL_RO & valid);
        flags |= ctrl & ~FLAGS_ENABLE;
        int out = PtContext.merge(val, device, ~(CTRL_EMU | CTRL_RO) & ~CTRL_RES & valid);
        if ((out & FLAGS_ENABLE) != 0) {
            if (!initialized) {
                ctx.info("xen_pt_msgctrl_reg_write", "setup MSI (register: %x).", out);
                if (setup() != 0) {
                    out &= ~FLAGS_ENABLE;
                    ctx.warn("xen_pt_msgctrl_reg_write", "Can not map MSI (register: %x)!", out);
                    return out;
                }
                if (update() != 0) {
                    out &= ~FLAGS_ENABLE;
                    ctx.warn("xen_pt_msgctrl_reg_write", "Can not bind MSI (register: %x)!", out);
                    return out;
                }
                initialized = true;
                mapped = true;
            }
            flags |= FLAGS_ENABLE;
        } else if (mapped) {
            disable();
        }
        return out;
    }

    /** xen_pt_msi_setup: map the vector (not yet enabled); -1 or the errno on failure. */
    private int setup() {
        if (initialized) {
            ctx.error("xen_pt_msi_setup", -1, "Setup physical MSI when it has been properly initialized.");
            return -1;
        }
        XenPtMsiBinding.Setup s = binding.setup(address(), data, XenPtMsiBinding.UNASSIGNED, false, 0, true, 0);
        if (s.rc() != 0) return s.rc();
        if (s.pirq() < 0) {
            ctx.error("xen_pt_msi_setup", -1, "Invalid pirq number: %d.", s.pirq());
            return -1;
        }
        pirq = s.pirq();
        ctx.info("xen_pt_msi_setup", "MSI mapped with pirq %d.", pirq);
        return 0;
    }

    /** xen_pt_msi_update: bind (MSI is always bound unmasked); a refused bind unmaps and forgets the pirq. */
    private int update() {
        int rc = binding.update(address(), data, pirq, false, 0, pirq, 0, false);
        if (rc != 0) pirq = XenPtMsiBinding.UNASSIGNED;
        return rc;
    }

    /**
     * xen_pt_msi_disable: the device's enable is cleared first (xen_pt_msi_set_enable), then the pirq is unbound (if it
     * was bound) and unmapped, and QEMU forgets it all.
     */
    void disable() {
        ctx.info("xen_pt_msi_set_enable", "disabling MSI.");
        int c = ctx.hostRead(base + 2, 2);
        ctx.hostWrite(base + 2, 2, c & ~FLAGS_ENABLE);
        binding.disable(address(), data, pirq, false, initialized);
        flags &= ~FLAGS_ENABLE;
        initialized = false;
        mapped = false;
        pirq = XenPtMsiBinding.UNASSIGNED;
    }
}
