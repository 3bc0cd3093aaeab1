package vdm.toolstack;

import java.util.Arrays;
import java.util.Objects;
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
    /** The BARs QEMU mapped for the guest, by BAR index (null: not mapped). */
    private final BarMapping[] mapped = new BarMapping[6];
    /** The IO BARs QEMU mapped for the guest, by BAR index (null: not mapped). */
    private final IoBarMapping[] ioMapped = new IoBarMapping[6];
    /** QEMU's qdev id (DeviceState.id, device_add's "id"), by which device_del names it; null if none was given. */
    private String qdevId;

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
    }

    /** Snapshot support: the emulated state QEMU keeps. */
    byte[] copy() { return copy.clone(); }
    SysfsDevice.Resource[] resources() { return resources; }
    long[] guestBars() { return guestBar.clone(); }
    int guestRom() { return guestRom; }

    /** The BAR mappings QEMU made, by BAR. */
    BarMapping[] mappings() {
        return Arrays.stream(mapped).filter(Objects::nonNull).toArray(BarMapping[]::new);
    }

    /** The IO BAR mappings QEMU made, by BAR. */
    IoBarMapping[] ioMappings() {
        return Arrays.stream(ioMapped).filter(Objects::nonNull).toArray(IoBarMapping[]::new);
    }

    /** Puts back the emulated state (a state restore; the caller checked each mapping's BAR is one of the six). */
    void restore(byte[] config, long[] bars, int rom, int irq, boolean isBound, BarMapping[] maps, IoBarMapping[] ioMaps) {
        System.arraycopy(config, 0, copy, 0, 256);
        System.arraycopy(bars, 0, guestBar, 0, 6);
        guestRom = rom;
        machineIrq = irq;
        bound = isBound;
        Arrays.fill(mapped, null);
        for (BarMapping m : maps) mapped[m.bar()] = m;
        Arrays.fill(ioMapped, null);
        for (IoBarMapping m : ioMaps) ioMapped[m.bar()] = m;
    }

    private String prefix() {
        return String.format("[00:%02x.0] ", guestSlot);
    }

    public Sbdf hostAddress() { return host; }
    public Domain guest() { return guest; }
    public int guestSlot() { return guestSlot; }
    public int machineIrq() { return machineIrq; }
    public boolean interruptBound() { return bound; }
    public String qdevId() { return qdevId; }

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
        if (machineIrq != 0) {
            int rc = othersMapping.applyAsInt(machineIrq) == 0 ? xen.physdev().unmapPirq(kernel.domain(), guest.id(), machineIrq) : 0;
            if (rc != 0) {
                log.error(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_destroy: Error: unmapping of interrupt %d failed."
                        + " (err: %d) But bravely continuing on..", machineIrq, -rc), rc);
            }
            machineIrq = 0;
        }
        for (BarMapping m : mapped) if (m != null) xen.memoryMapping(kernel.domain(), guest.id(), m.gfn(), m.mfn(), m.frames(), false, null);
        Arrays.fill(mapped, null);
        // memory_listener_unregister of the IO listener: xen_pt_io_region_del for each IO BAR still in the guest's space
        for (IoBarMapping m : ioMapped) if (m != null) xen.domctls().ioportMapping(kernel.domain(), guest.id(), m.gport(), m.mport(), m.ports(), false, null);
        Arrays.fill(ioMapped, null);
    }

    // ---- the guest's config space

    private boolean isBar(int offset) {
        return offset >= 0x10 && offset < 0x28;
    }

    private long barSize(int n) {
        return resources[n].end() - resources[n].start() + 1;
    }

    private boolean barImplemented(int n) {
        return resources[n].flags() != 0;
    }

    private int barType(int n) {
        long flags = resources[n].flags();
        if ((flags & 0x100) != 0) return 0x1;
        return ((flags & 0x100000) != 0 ? 0x4 : 0) | ((flags & 0x2000) != 0 ? 0x8 : 0);
    }

    /** The guest's value of BAR register n (the upper half of a 64-bit BAR included). */
    private int guestBarRegister(int n) {
        if (n > 0 && barImplemented(n - 1) && (barType(n - 1) & 0x4) != 0) return (int) (guestBar[n - 1] >>> 32);
        if (!barImplemented(n)) return 0;
        return (int) guestBar[n] | barType(n);
    }

    public int guestRead(int offset, int size) {
        vdm.pci.Access.check(offset, size);
        int v = 0;
        for (int i = 0; i < size; i++) v |= (guestByte(offset + i) & 0xff) << (8 * i);
        return v;
    }

    private int guestByte(int b) {
        if (b >= 0x100) return 0xff;
        if (isBar(b)) return guestBarRegister((b - 0x10) >>> 2) >>> ((b & 3) * 8);
        if (b >= 0x30 && b < 0x34) return guestRom >>> ((b & 3) * 8);
        GuestConfigView.Reg r = GuestConfigView.find(b);
        int device = kernel.cfgRead(host, b, 1);
        if (r == null) return b >= 0x40 ? device : 0;
        int shift = (b - r.offset()) * 8;
        int emu = (r.emu() >>> shift) & 0xff;
        return (copy[b] & emu) | (device & ~emu);
    }

    /** A guest config write; the BARs and ROM stay in QEMU, the rest as {@link GuestConfigView} says. */
    public void guestWrite(int offset, int size, int value) {
        vdm.pci.Access.check(offset, size);
        for (int i = 0; i < size; i++) {
            int b = offset + i;
            int v = (value >>> (8 * i)) & 0xff;
            if (isBar(b)) {
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
            // bytes from 0x40 on: capabilities are read from the device and not written by the guest
        }
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

    /**
     * QEMU's memory and IO listeners for the device (xen_pt_region_add / xen_pt_region_del -> xen_pt_region_update):
     * pci_update_mappings puts a memory BAR into the guest's memory space while the guest decodes memory, and an IO
     * BAR into its 64 KiB IO space while it decodes IO (pci_bar_address: a non-zero address that does not wrap); each
     * change becomes XEN_DOMCTL_memory_mapping or XEN_DOMCTL_ioport_mapping onto the host BAR the kernel reports in
     * {@code resource}.
     */
    private void updateMappings() {
        int command = kernel.cfgRead(host, 0x04, 2);
        boolean memory = (command & 0x2) != 0, io = (command & 0x1) != 0;
        for (int n = 0; n < 6; n++) {
            if (!barImplemented(n)) continue;
            if ((barType(n) & 1) != 0) updateIoMapping(n, io);
            else updateMemoryMapping(n, memory);
        }
    }

    private void updateMemoryMapping(int n, boolean decoding) {
        boolean want = decoding && guestBar[n] != 0;
        long gfn = 0, mfn = 0, frames = 0;
        if (want) {
            gfn = guestBar[n] >>> P2m.PAGE_SHIFT;
            mfn = resources[n].start() >>> P2m.PAGE_SHIFT;
            frames = Math.max(1, (barSize(n) + (1 << P2m.PAGE_SHIFT) - 1) >>> P2m.PAGE_SHIFT);
        }
        BarMapping have = mapped[n];
        if (have != null && want && have.covers(gfn, mfn, frames)) return;
        if (have != null) {
            xen.memoryMapping(kernel.domain(), guest.id(), have.gfn(), have.mfn(), have.frames(), false, null);
            mapped[n] = null;
        }
        if (want) {
            int rc = xen.memoryMapping(kernel.domain(), guest.id(), gfn, mfn, frames, true, new P2m.Owner(host, n));
            if (rc == 0) mapped[n] = new BarMapping(n, gfn, mfn, frames);
            else memError(true, rc);
        }
    }

    /** An IO BAR lies in the guest's IO space only below 64 KiB (address_space_io's size). */
    private void updateIoMapping(int n, boolean decoding) {
        long size = barSize(n);
        boolean want = decoding && guestBar[n] != 0 && guestBar[n] + size <= vdm.xen.IoPorts.MAX_IOPORTS;
        int gport = want ? (int) guestBar[n] : 0, mport = (int) resources[n].start(), ports = (int) size;
        IoBarMapping have = ioMapped[n];
        if (have != null && want && have.covers(gport, mport, ports)) return;
        if (have != null) {
            int rc = xen.domctls().ioportMapping(kernel.domain(), guest.id(), have.gport(), have.mport(), have.ports(), false, null);
            if (rc != 0) ioportError(false, rc);
            ioMapped[n] = null;
        }
        if (want) {
            int rc = xen.domctls().ioportMapping(kernel.domain(), guest.id(), gport, mport, ports, true, new P2m.Owner(host, n));
            if (rc == 0) ioMapped[n] = new IoBarMapping(n, gport, mport, ports);
            else ioportError(true, rc);
        }
    }

    /** xen_pt_region_update's XEN_PT_ERR for a memory BAR, with libxc's errno (positive). */
    private void memError(boolean adding, int rc) {
        log.error(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_region_update: Error: %s mem mapping failed! (err: %d)",
                adding ? "create new" : "remove old", -rc), rc);
    }

    /** xen_pt_region_update's XEN_PT_ERR, with libxc's errno (positive). */
    private void ioportError(boolean adding, int rc) {
        log.error(ToolstackLog.Source.QEMU, prefix() + String.format("xen_pt_region_update: Error: %s ioport mapping failed! (err: %d)",
                adding ? "create new" : "remove old", -rc), rc);
    }
}
