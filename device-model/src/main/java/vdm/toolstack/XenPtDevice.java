package vdm.toolstack;

import java.util.function.IntUnaryOperator;
import vdm.dom0.Dom0Kernel;
import vdm.dom0.SysfsDevice;
import vdm.pci.Sbdf;
import vdm.model.Fixes;
import vdm.log.StepBus;
import vdm.xen.Domain;
import vdm.errno.Errno;
import vdm.xen.P2m;
import vdm.xen.PhysdevOps;
import vdm.xen.Xen;

/**
 * QEMU's xen-pci-passthrough device (hw/xen/xen_pt.c) for one passed-through function in one HVM guest: realize
 * reads the host's config and the kernel's BARs (sysfs {@code config} and {@code resource}), maps and binds the
 * machine interrupt, and the guest then sees an emulated config space ({@link GuestConfigView}) whose BARs map onto
 * the host BARs through XEN_DOMCTL_memory_mapping when the guest turns decoding on.
 */
public final class XenPtDevice {
    private final Xen xen;
    private final Dom0Kernel kernel;
    private final ToolstackLog log;
    private final StepBus steps;
    private final Domain guest;
    private final Sbdf host;
    private final int guestSlot;
    private final byte[] copy = new byte[256];
    private final SysfsDevice.Resource[] resources;
    private final long[] guestBar = new long[6];
    private int guestRom;
    /** The pirq QEMU mapped and bound (machine_irq after mapping), 0 if none. */
    private int machineIrq;
    private boolean bound;
    private final PtContext ctx;
    /** QEMU's memory and IO listeners for the device's BARs. */
    private final XenPtRegions regions;
    /** The emulated MSI and MSI-X groups, null where the host's config has no such capability. */
    private final XenPtMsi msi;
    private final XenPtMsix msix;
    /** QEMU's qdev id (DeviceState.id, device_add's "id"), by which device_del names it; null if none was given. */
    private String qdevId;
    /** The {@code permissive} property's side of guest writes to fields xen_pt does not know. */
    private final XenPtWriteBack writeBack;

    XenPtDevice(Xen xen, Dom0Kernel kernel, ToolstackLog log, StepBus steps, Domain guest, Sbdf host, int guestSlot) {
        this(xen, kernel, log, steps, guest, host, guestSlot, kernel.sysfs(host).config(), kernel.sysfs(host).regions());
    }

    /** With the host config and resources given (realize reads them from sysfs; a snapshot load from the document). */
    XenPtDevice(Xen xen, Dom0Kernel kernel, ToolstackLog log, StepBus steps, Domain guest, Sbdf host, int guestSlot, byte[] config,
            SysfsDevice.Resource[] resources) {
        this.xen = xen;
        this.kernel = kernel;
        this.log = log;
        this.steps = steps;
        this.guest = guest;
        this.host = host;
        this.guestSlot = guestSlot;
        System.arraycopy(config, 0, copy, 0, 256);
        this.resources = resources;
        this.ctx = new PtContext(xen, kernel, log, guest, host, guestSlot);
        this.regions = new XenPtRegions(ctx, resources);
        int msiAt = capability(CAP_ID_MSI), msixAt = capability(CAP_ID_MSIX);
        msi = msiAt == 0 ? null : new XenPtMsi(ctx, msiAt, configWord(msiAt + 2));
        if (msixAt == 0) {
            msix = null;
        } else {
            long[] starts = new long[6];
            for (int n = 0; n < 6; n++) starts[n] = resources[n].start();
            msix = new XenPtMsix(ctx, msixAt, configWord(msixAt + 2), configWord(msixAt + 4) | configWord(msixAt + 6) << 16, starts);
        }
        regions.msix(msix);
        this.writeBack = new XenPtWriteBack(kernel, log, host, ctx);
    }

    /** PCI_CAP_ID_MSI and PCI_CAP_ID_MSIX: the groups xen_pt_config_init emulates with their own registers. */
    private static final int CAP_ID_MSI = 0x05, CAP_ID_MSIX = 0x11;

    private int configWord(int at) {
        return (copy[at] & 0xff) | (copy[at + 1] & 0xff) << 8;
    }

    /** Snapshot support: the emulated state QEMU keeps. */
    byte[] copy() { return copy.clone(); }
    SysfsDevice.Resource[] resources() { return resources; }
    long[] guestBars() { return guestBar.clone(); }
    int guestRom() { return guestRom; }

    /** The BAR mappings QEMU made, by BAR. */
    BarMapping[] mappings() {
        return regions.mappings();
    }

    /** The IO BAR mappings QEMU made, by BAR. */
    IoBarMapping[] ioMappings() {
        return regions.ioMappings();
    }

    /** QEMU's emulated MSI, or null if the device has no MSI capability. */
    XenPtMsi msi() { return msi; }

    /** QEMU's emulated MSI-X (its table in the guest's BAR), or null if the device has none. */
    XenPtMsix msix() { return msix; }

    /** Puts back the emulated state (a state restore; the caller checked each mapping's BAR is one of the six). */
    void restore(byte[] config, long[] bars, int rom, int irq, boolean isBound, BarMapping[] maps, IoBarMapping[] ioMaps) {
        System.arraycopy(config, 0, copy, 0, 256);
        System.arraycopy(bars, 0, guestBar, 0, 6);
        guestRom = rom;
        machineIrq = irq;
        bound = isBound;
        regions.restore(maps, ioMaps);
    }

    /**
     * Puts back QEMU's emulated MSI and MSI-X (a state restore); a null state leaves the group as realize made it, with
     * the MSI-X table region where the restored BAR mapping puts it (QEMU's region follows its BAR). A
     * state for a group the device does not have, or an MSI-X table of another size, is refused and changes nothing.
     */
    void restoreMsi(GuestMsiState msiState, GuestMsixState msixState) {
        String wrong = msiMismatch(copy, msiState, msixState);
        if (wrong != null) throw new IllegalArgumentException(host + ": " + wrong);
        if (msiState != null) msi.restore(msiState);
        if (msixState != null) msix.restore(msixState);
        else if (msix != null) msix.placeRegion(regions.mapped(msix.bar()), guestBar[msix.bar()] + msix.tableOffset());
    }

    /** Why MSI/MSI-X states do not fit a device whose host config is {@code config}, or null if they fit. */
    static String msiMismatch(byte[] config, GuestMsiState msiState, GuestMsixState msixState) {
        if (msiState != null && capability(config, CAP_ID_MSI) == 0) return "MSI state for a device without an MSI capability";
        int at = capability(config, CAP_ID_MSIX);
        if (msixState == null) return null;
        if (at == 0) return "MSI-X state for a device without an MSI-X capability";
        int entries = ((config[at + 2] & 0xff | (config[at + 3] & 0xff) << 8) & XenPtMsix.FLAGS_QSIZE) + 1;
        if (msixState.pirq().length != entries) {
            return String.format("MSI-X state of %d entries for a table of %d", msixState.pirq().length, entries);
        }
        return null;
    }

    private String prefix() {
        return ctx.prefix();
    }

    public Sbdf hostAddress() { return host; }
    public Domain guest() { return guest; }
    public int guestSlot() { return guestSlot; }
    public int machineIrq() { return machineIrq; }
    public boolean interruptBound() { return bound; }
    public String qdevId() { return qdevId; }
    /** device_add's {@code permissive=true} (XSA-131): guest writes to unknown fields reach the device. */
    public boolean permissive() { return writeBack.permissive(); }
    void permissive(boolean on) { writeBack.permissive(on); }

    /**
     * The offset in memory BAR {@code bar} of the first byte QEMU maps into the guest's p2m: 0, or past QEMU's MSI-X
     * table region where the table opens the BAR; -1 where the region covers the whole BAR.
     */
    public long firstMappedOffset(int bar) {
        if (msix == null || msix.bar() != bar || msix.tableOffset() > 0) return 0;
        return msix.regionSize() < barSize(bar) ? msix.regionSize() : -1;
    }

    /** Set by the toolstack with the attach that realized the device (and by a snapshot load). */
    void qdevId(String id) { qdevId = id; }

    /** The INTx pin the guest sees (the host's), 0 if none. */
    public int interruptPin() {
        return copy[0x3d] & 0xff;
    }

    /**
     * Why realize failed: the desc of device_add's GenericError, which is all QEMU tells libxl (the hint
     * "PCI Config space initialisation failed" that xen_pt_realize appends is printed by QEMU's own monitor only).
     */
    record Refusal(String desc) {
        /**
         * QEMU's failure carries no errno (libxl turns the GenericError into ERROR_QMP_GENERIC_ERROR); vdm's attach
         * reports it as -EOPNOTSUPP, a device the device model does not support.
         */
        static final int RC = -Errno.EOPNOTSUPP;
    }

    /**
     * xen_pt_realize: xen_pt_config_init builds the emulated registers first, and a failure there ends realize before
     * any interrupt is set up (err_out, xen_pt_destroy); the refusal is returned, null if realized. Then the
     * interrupt part: the machine irq comes from sysfs {@code irq}, or with a PVH dom0 from v4's sysfs {@code gsi} or
     * privcmd's PCIDEV_GET_GSI (fix D); it is mapped (xc_physdev_map_pirq) and bound (xc_domain_bind_pt_pci_irq).
     * Failures there are logged and leave the device without INTx, as QEMU does.
     */
    Refusal realize(IntUnaryOperator othersMapping) {
        log.info(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_realize: Assigning real physical device %02x:%02x.%d to devfn %#x",
                host.bus(), host.device(), host.function(), guestSlot << 3));
        Refusal refused = pcieGroup();
        if (refused != null) return refused;
        if (msi != null) msi.realize();
        if (msix != null) msix.realize();
        if (interruptPin() == 0) {
            log.info(ToolstackLog.Source.QEMU, prefix() + "xen_pt_realize: no pin interrupt");
            return null;
        }
        int irq = machineIrqSource();
        if (irq <= 0) {
            log.info(ToolstackLog.Source.QEMU, prefix() + "xen_pt_realize: machine irq is 0");
            return null;
        }
        int pirq = -1;
        PhysdevOps.PirqResult r = xen.physdev().mapPirq(kernel.domain(), guest.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, irq, irq);
        if (r.rc() != 0) {
            log.error(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_realize: Error: Mapping machine irq %d to pirq %d failed, (err: %d)",
                    irq, pirq, -r.rc()), r.rc());
            return null;
        }
        machineIrq = r.pirq();
        int rc = guest.interrupts().bind(kernel.domain(), machineIrq, guestSlot, interruptPin() - 1);
        if (rc != 0) {
            log.error(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_realize: Error: Binding of interrupt %d failed! (err: %d)",
                    interruptPin() - 1, -rc), rc);
            if (othersMapping.applyAsInt(machineIrq) == 0) xen.physdev().unmapPirq(kernel.domain(), guest.id(), machineIrq);
            machineIrq = 0;
            return null;
        }
        bound = true;
        return null;
    }

    /** PCI_CAP_ID_EXP; the Intel 82599 VF whose PCI Express capability xen_pt_hide_dev_cap hides (8086:10ed). */
    private static final int CAP_ID_EXP = 0x10, INTEL = 0x8086, INTEL_82599_SFP_VF = 0x10ed;
    /** PCI_EXP_TYPE_ENDPOINT, _LEG_END and _RC_END: the only device/port types xen_pt_pcie_size_init sizes. */
    private static final int TYPE_ENDPOINT = 0x0, TYPE_LEGACY_ENDPOINT = 0x1, TYPE_RC_ENDPOINT = 0x9;

    /**
     * xen_pt_config_init's PCI Express group (hw/xen/xen_pt_config_init.c): find_cap_offset looks the capability up in
     * the host's config, and xen_pt_pcie_size_init sizes it by the version and device/port type of its flags ("only
     * EndPoint passthrough is supported"). A root, upstream or downstream port, a PCIe-to-PCI or PCI-to-PCIe bridge,
     * an event collector, or a version other than 1 and 2 fails the size init with -1, which xen_pt_config_init
     * reports as group 11 of the table's 15 entries, an emulated group (type 1). A device without the capability
     * (a conventional PCI bridge) has no such group and passes.
     */
    private Refusal pcieGroup() {
        int pos = capability(CAP_ID_EXP);
        if (pos == 0 || (vendorId() == INTEL && deviceId() == INTEL_82599_SFP_VF)) return null;
        int flags = copy[pos + 2] & 0xff;
        int version = flags & 0xf, type = flags >>> 4;
        if (version != 1 && version != 2) {
            qemuError("xen_pt_pcie_size_init: Error: Unsupported capability version %s.", cHex(version));
        } else if (type != TYPE_ENDPOINT && type != TYPE_LEGACY_ENDPOINT && type != TYPE_RC_ENDPOINT) {
            qemuError("xen_pt_pcie_size_init: Error: Unsupported device/port type %s.", cHex(type));
        } else {
            return null;
        }
        return new Refusal("Failed to initialize 11/15, type = 0x1, rc: -1");
    }

    private void qemuError(String format, String value) {
        log.error(ToolstackLog.Source.QEMU, prefix() + String.format(format, value), -1);
    }

    /** C's {@code %#x}: no prefix for zero. */
    private static String cHex(int v) {
        return v == 0 ? "0" : "0x" + Integer.toHexString(v);
    }

    private int vendorId() { return (copy[0] & 0xff) | (copy[1] & 0xff) << 8; }
    private int deviceId() { return (copy[2] & 0xff) | (copy[3] & 0xff) << 8; }

    /**
     * find_cap_offset: the capability list of the host's config (STATUS's capability bit, then the pointers from
     * 0x34, at most PCI_CAP_MAX of them, each below 0x40 or an id of 0xff ending the walk); 0 if absent.
     */
    private int capability(int id) {
        return capability(copy, id);
    }

    private static int capability(byte[] copy, int id) {
        if ((copy[0x06] & 0x10) == 0) return 0;
        int pos = 0x34;
        for (int left = 48; left > 0; left--) {
            pos = copy[pos] & 0xff;
            if (pos < 0x40) break;
            pos &= ~3;
            int cap = copy[pos] & 0xff;
            if (cap == 0xff) break;
            if (cap == id) return pos;
            pos += 1;
        }
        return 0;
    }

    /** Where QEMU takes the machine irq from, by fix D and dom0's type. */
    private int machineIrqSource() {
        Fixes.GsiLookup lookup = kernel.fixes().gsiLookup();
        if (kernel.pvh() && lookup == Fixes.GsiLookup.PRIVCMD) {
            int gsi = kernel.privcmd().pcidevGetGsi(host);
            return gsi >= 0 ? gsi : 0;
        }
        if (kernel.pvh() && lookup == Fixes.GsiLookup.SYSFS_GSI) {
            return kernel.sysfs(host).gsi().orElse(0);
        }
        return kernel.sysfs(host).irq();
    }

    /**
     * xen_pt_destroy (unplug): unbind this device's INTx (machine_irq, its slot and intx), unmap the pirq unless
     * another device of the guest still maps it, remove the BAR mappings. {@code othersMapping} gives, for a pirq, how
     * many other devices of this guest's QEMU have it mapped: QEMU counts them in xen_pt_mapped_machine_irq and
     * unmaps only when the count reaches 0.
     */
    void unrealize(IntUnaryOperator othersMapping) {
        if (bound) {
            int intx = interruptPin() - 1;
            int rc = guest.interrupts().unbind(kernel.domain(), machineIrq, guestSlot, intx);
            if (rc != 0) {
                log.error(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_destroy: Error: unbinding of interrupt INT%c failed."
                        + " (machine irq: %d, err: %d) But bravely continuing on..", (char) ('a' + intx), machineIrq, -rc), rc);
            }
            bound = false;
        }
        // xen_pt_destroy: MSI and MSI-X are torn down (xen_pt_msi_disable, xen_pt_msix_disable) before INTx's pirq goes
        if (msi != null) msi.disable();
        if (msix != null) msix.disable();
        if (machineIrq != 0) {
            int rc = othersMapping.applyAsInt(machineIrq) == 0 ? xen.physdev().unmapPirq(kernel.domain(), guest.id(), machineIrq) : 0;
            if (rc != 0) {
                log.error(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_destroy: Error: unmapping of interrupt %d failed."
                        + " (err: %d) But bravely continuing on..", machineIrq, -rc), rc);
            }
            machineIrq = 0;
        }
        regions.removeAll();
    }

    // ---- the guest's config space

    private boolean isBar(int offset) {
        return offset >= 0x10 && offset < 0x28;
    }

    private long barSize(int n) { return regions.barSize(n); }
    private boolean barImplemented(int n) { return regions.barImplemented(n); }
    private int barType(int n) { return regions.barType(n); }

    /** The guest's value of BAR register n (the upper half of a 64-bit BAR included). */
    private int guestBarRegister(int n) {
        if (n > 0 && barImplemented(n - 1) && (barType(n - 1) & 0x4) != 0) return (int) (guestBar[n - 1] >>> 32);
        if (!barImplemented(n)) return 0;
        return (int) guestBar[n] | barType(n);
    }

    /**
     * A guest config read. As xen_pt_pci_read_config, the real device is read once, at the guest's offset and size
     * (xen_host_pci_get_block), and each byte is then the emulated or the device's; an access wholly inside the BARs
     * or the ROM register, which QEMU answers from its own copy, reads no device.
     */
    public int guestRead(int offset, int size) {
        vdm.pci.Access.check(offset, size);
        if (offset >= 0x100) return vdm.pci.Access.ones(size);
        boolean emulatedOnly = offset >= 0x10 && offset + size <= 0x28 || offset >= 0x30 && offset + size <= 0x34;
        int device = emulatedOnly ? 0 : kernel.cfgRead(host, offset, size);
        int v = 0;
        for (int i = 0; i < size; i++) v |= (guestByte(offset + i, device >>> (8 * i) & 0xff) & 0xff) << (8 * i);
        return v;
    }

    private int guestByte(int b, int device) {
        if (isBar(b)) return guestBarRegister((b - 0x10) >>> 2) >>> ((b & 3) * 8);
        if (b >= 0x30 && b < 0x34) return guestRom >>> ((b & 3) * 8);
        GuestConfigView.Reg r = GuestConfigView.find(b);
        if (msi != null && msi.covers(b)) return msi.guestByte(b, device);
        if (r == null) return b >= 0x40 ? device : 0;
        int shift = (b - r.offset()) * 8;
        int emu = (r.emu() >>> shift) & 0xff;
        return (copy[b] & emu) | (device & ~emu);
    }

    /** A guest config write; the BARs and ROM stay in QEMU, the rest as {@link GuestConfigView} says. */
    public void guestWrite(int offset, int size, int value) {
        vdm.pci.Access.check(offset, size);
        // the MSI and MSI-X groups have their own registers (an access stays within one dword, so within one group)
        if (msi != null && msi.covers(offset)) {
            msi.guestWrite(offset, size, value);
            steps.end(String.format("guest config write 0x%x/%d to %s", offset, size, host));
            return;
        }
        if (msix != null && msix.covers(offset)) {
            msix.guestWrite(offset, size, value);
            steps.end(String.format("guest config write 0x%x/%d to %s", offset, size, host));
            return;
        }
        int unknown = 0;
        for (int i = 0; i < size; i++) {
            int b = offset + i;
            int v = (value >>> (8 * i)) & 0xff;
            if (b >= 0x40) {
                unknown |= 1 << i;
            } else if (isBar(b)) {
                writeBarByte(b, v);
            } else if (b >= 0x30 && b < 0x34) {
                int shift = (b & 3) * 8;
                int romSize = (int) barSize(6);
                int mask = barImplemented(6) ? (~(romSize - 1) | 1) : 0;
                guestRom = (guestRom & ~(0xff << shift)) | ((v << shift) & mask);
            } else if (b < 0x40) {
                GuestConfigView.Reg r = GuestConfigView.find(b);
                if (r == null) continue;
                int shift = (b - r.offset()) * 8;
                int emu = (r.emu() >>> shift) & 0xff, ro = (r.ro() >>> shift) & 0xff;
                int w1c = (r.rw1c() >>> shift) & 0xff, res = (r.res() >>> shift) & 0xff;
                int writableEmu = emu & ~ro & ~res;
                copy[b] = (byte) ((copy[b] & ~writableEmu) | (v & writableEmu));
                int through = ~emu & ~ro & ~res & 0xff;
                if (through != 0) {
                    int current = kernel.cfgRead(host, b, 1);
                    int out = (current & ~through & ~w1c) | (v & through);
                    kernel.cfgWrite(host, b, 1, out);
                }
            }
        }
        writeBack.unknown(offset, size, value, unknown);
        if (offset < 0x34 && offset + size > 0x04) updateMappings();
        steps.end(String.format("guest config write 0x%x/%d to %s", offset, size, host));
    }

    private void writeBarByte(int b, int v) {
        int n = (b - 0x10) >>> 2, shift = (b & 3) * 8;
        if (n > 0 && barImplemented(n - 1) && (barType(n - 1) & 0x4) != 0) {
            long size = barSize(n - 1);
            long hiMask = ~(size - 1) >>> 32;
            long hi = ((guestBar[n - 1] >>> 32) & ~(0xffL << shift)) | ((long) v << shift);
            guestBar[n - 1] = (guestBar[n - 1] & 0xffffffffL) | ((hi & hiMask) << 32);
            return;
        }
        if (!barImplemented(n)) return;
        long size = barSize(n);
        long lo = (guestBar[n] & 0xffffffffL & ~(0xffL << shift)) | ((long) v << shift);
        long addrMask = ~(size - 1) & ((barType(n) & 1) != 0 ? 0xfffffffcL : 0xfffffff0L);
        guestBar[n] = (guestBar[n] & 0xffffffff00000000L) | (lo & addrMask);
    }

    /** pci_update_mappings: QEMU's listeners see the guest's BARs as COMMAND now decodes them ({@link XenPtRegions}). */
    private void updateMappings() {
        regions.update(kernel.cfgRead(host, 0x04, 2), guestBar);
    }
}
