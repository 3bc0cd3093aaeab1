package vdm.dom0;

import vdm.log.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import vdm.host.Host;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.log.StepBus;
import vdm.model.Fixes;
import vdm.pci.ResetKind;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;
import vdm.xen.Domain;
import vdm.errno.Errno;
import vdm.xen.PhysdevOps;
import vdm.xen.Xen;

/**
 * dom0's Linux kernel, as far as passthrough sees it: its config accesses (trapped through Xen's vPCI for a PVH
 * dom0, direct for a PV dom0), resource assignment at boot, pci_enable_device with the ACPI interrupt routing
 * (acpi_pci_irq_enable -> acpi_register_gsi), resets, save/restore of config state, and the drivers bound to each
 * function. pciback, privcmd and the sysfs view build on it.
 */
public final class Dom0Kernel {
    public enum Driver { NONE, NATIVE, PCIBACK }

    /** What the kernel knows of one function (struct pci_dev). */
    static final class PciDev {
        final Sbdf sbdf;
        Driver driver = Driver.NONE;
        boolean enabled;
        /** dev->irq: the Linux IRQ (sysfs irq), 0 if none. */
        int irq;
        /** The kernel's resources (struct resource start) for BARs 0..5 and the ROM (6). */
        final long[] resource = new long[7];
        /** The GSI acpi_pci_irq_enable found, as v4's sysfs gsi attribute recorded it (-1 if none). */
        int gsiAtEnable = -1;
        /** dev->saved_config_space: what pci_save_state last saved (null before any save). */
        int[] savedState;

        PciDev(Sbdf sbdf) {
            this.sbdf = sbdf;
        }
    }

    private final Host host;
    private final Xen xen;
    private final Domain dom0;
    private final Fixes fixes;
    private final KernelLog log = new KernelLog();
    private final LinuxIrqs irqs;
    private final Map<Sbdf, PciDev> devices = new HashMap<>();
    private final Pciback pciback;
    private final Privcmd privcmd;
    private long nextMmio32 = 0xe000_0000L;
    private long nextMmio64 = 0x40_0000_0000L;
    private int nextIo = 0xc000;
    private int nextVector = 0x31;
    private final StepBus steps;

    /** @param steps where the kernel reports the end of each step it finishes (the composition root's bus) */
    public Dom0Kernel(Host host, Xen xen, Fixes fixes, StepBus steps) {
        this.host = host;
        this.xen = xen;
        this.dom0 = xen.dom0();
        if (dom0 == null) throw new IllegalStateException("boot dom0 in Xen first");
        this.fixes = fixes;
        this.steps = steps;
        this.irqs = new LinuxIrqs(dom0.kind() == Domain.Kind.PV);
        for (PhysicalFunction f : host.functions()) devices.put(f.sbdf(), new PciDev(f.sbdf()));
        this.pciback = new Pciback(this);
        this.privcmd = new Privcmd(this);
    }

    public Host host() { return host; }
    public Xen xen() { return xen; }
    public Domain domain() { return dom0; }
    public Fixes fixes() { return fixes; }
    public KernelLog log() { return log; }
    public LinuxIrqs irqs() { return irqs; }
    public Pciback pciback() { return pciback; }
    public Privcmd privcmd() { return privcmd; }

    /** Marks the end of a model step (enable, disable, reset + notification, restore...) on the composition's bus. */
    void step(String name) {
        steps.end(name);
    }

    public boolean pvh() { return dom0.kind() == Domain.Kind.PVH; }

    /** Snapshot support: the devices, and the resource and vector cursors. */
    Map<Sbdf, PciDev> devices() {
        return devices;
    }

    long[] cursors() {
        return new long[] {nextMmio32, nextMmio64, nextIo, nextVector};
    }

    void restoreCursors(long[] c) {
        nextMmio32 = c[0];
        nextMmio64 = c[1];
        nextIo = (int) c[2];
        nextVector = (int) c[3];
    }

    PciDev dev(Sbdf sbdf) {
        PciDev d = devices.get(sbdf);
        if (d == null) throw new IllegalArgumentException("no PCI device " + sbdf + " in dom0");
        return d;
    }

    public boolean exists(Sbdf sbdf) {
        return devices.containsKey(sbdf);
    }

    public Driver driver(Sbdf sbdf) {
        return dev(sbdf).driver;
    }

    /** The sysfs directory /sys/bus/pci/devices/SBDF. */
    public SysfsDevice sysfs(Sbdf sbdf) {
        dev(sbdf);
        return new SysfsDevice(this, sbdf);
    }

    // ---- configuration access as dom0's kernel does it

    public int cfgRead(Sbdf sbdf, int offset, int size) {
        if (pvh() && sbdf.segment() == 0) return xen.configRead(dom0.vcpu(0), sbdf.bus() << 8 | sbdf.devfn(), offset, size);
        return host.read(sbdf, offset, size);
    }

    public void cfgWrite(Sbdf sbdf, int offset, int size, int value) {
        if (pvh() && sbdf.segment() == 0) {
            xen.configWrite(dom0.vcpu(0), sbdf.bus() << 8 | sbdf.devfn(), offset, size, value);
        } else {
            host.write(sbdf, offset, size, value);
        }
    }

    // ---- boot

    /**
     * Boots the PCI subsystem: assigns every unassigned BAR (decoding off, as pci_assign_unassigned_resources), then
     * binds native drivers and enables the devices in SBDF order, which registers their GSIs in that order.
     */
    public void boot() {
        for (PhysicalFunction f : host.functions()) assignResources(f);
        for (PhysicalFunction f : host.functions()) recordResources(f);
        for (PhysicalFunction f : host.functions()) {
            int cls = host.read(f.sbdf(), 0x08, 4) >>> 16;
            if (cls == 0x0600) continue; // host bridges have no driver
            dev(f.sbdf()).driver = Driver.NATIVE;
            enableDevice(f.sbdf());
        }
    }

    private void assignResources(PhysicalFunction f) {
        Sbdf s = f.sbdf();
        boolean unassigned = false;
        for (int n = 0; n < f.layout().barCount(); n++) unassigned |= f.barImplemented(n) && f.barAddress(n) == 0;
        unassigned |= f.romSize() > 0 && f.romAddress() == 0;
        int cmd = cfgRead(s, 0x04, 2);
        // Decoding off while a BAR moves (as pci_std_update_resource does for 64-bit BARs; vdm does it for all, so a
        // PVH dom0's vPCI sees the move with nothing mapped), back on afterwards.
        boolean decoding = unassigned && (cmd & 0x3) != 0;
        if (decoding) cfgWrite(s, 0x04, 2, cmd & ~0x3);
        assignBars(f, s);
        if (decoding) cfgWrite(s, 0x04, 2, cmd);
    }

    private void assignBars(PhysicalFunction f, Sbdf s) {
        for (int n = 0; n < f.layout().barCount(); n++) {
            if (!f.barImplemented(n) || f.barAddress(n) != 0) continue;
            Bar bar = f.barDeclaration(n);
            long size = bar.size();
            int reg = 0x10 + 4 * n;
            if (bar.kind() == BarKind.IO) {
                int addr = (int) align(nextIo, size);
                nextIo = (int) (addr + size);
                cfgWrite(s, reg, 4, addr);
                continue;
            }
            long window = f.upstream().flatMap(b -> b.memoryWindow()).map(w -> w.base()).orElse(-1L);
            long addr;
            if (bar.kind() == BarKind.MEM64 && bar.prefetchable() && window < 0) {
                addr = align(nextMmio64, size);
                nextMmio64 = addr + size;
            } else if (window >= 0) {
                addr = align(window, size);
            } else {
                addr = align(nextMmio32, size);
                nextMmio32 = addr + size;
            }
            cfgWrite(s, reg, 4, (int) addr);
            if (bar.kind() == BarKind.MEM64) cfgWrite(s, reg + 4, 4, (int) (addr >>> 32));
        }
        if (f.romSize() > 0 && f.romAddress() == 0) {
            long addr = align(nextMmio32, f.romSize());
            nextMmio32 = addr + f.romSize();
            cfgWrite(s, f.layout().romOffset(), 4, (int) addr);
        }
    }

    /** What pci_read_bases found: the kernel's struct resource of each BAR, kept even if the device changes later. */
    private void recordResources(PhysicalFunction f) {
        PciDev d = dev(f.sbdf());
        for (int n = 0; n < f.layout().barCount(); n++) d.resource[n] = f.barImplemented(n) ? f.barAddress(n) : 0;
        d.resource[6] = f.romSize() > 0 ? f.romAddress() : 0;
    }

    /**
     * Moves BAR n to {@code address} as the kernel's resource code does (pci_update_resource): the struct resource is
     * updated, then the register written, with memory decoding turned off around it or (as Linux does for a 32-bit
     * BAR) left on.
     */
    public void moveBar(Sbdf sbdf, int n, long address, boolean decodingOff) {
        PhysicalFunction f = host.require(sbdf);
        if (!f.barImplemented(n)) throw new IllegalArgumentException(sbdf + " has no BAR" + n);
        dev(sbdf).resource[n] = address;
        int cmd = cfgRead(sbdf, 0x04, 2);
        if (decodingOff && (cmd & 0x3) != 0) cfgWrite(sbdf, 0x04, 2, cmd & ~0x3);
        cfgWrite(sbdf, 0x10 + 4 * n, 4, (int) address);
        if (f.barKind(n) == BarKind.MEM64) cfgWrite(sbdf, 0x14 + 4 * n, 4, (int) (address >>> 32));
        if (decodingOff && (cmd & 0x3) != 0) cfgWrite(sbdf, 0x04, 2, cmd);
        steps.end("pci_update_resource " + sbdf + " BAR" + n);
    }

    /** The kernel's resource start for BAR n (6 = ROM). */
    long assigned(Sbdf sbdf, int n) {
        return dev(sbdf).resource[n];
    }

    private static long align(long v, long size) {
        return (v + size - 1) & ~(size - 1);
    }

    // ---- pci_enable_device / pci_disable_device

    /**
     * pci_enable_device: turns on I/O and memory decoding for the BARs the function has, then routes its INTx
     * through ACPI (acpi_pci_irq_enable): _PRT lookup (a link is given an IRQ on first use), acpi_register_gsi, and
     * the classic line "PCI INT A -> GSI 28 (level, low) -> IRQ 17".
     */
    public void enableDevice(Sbdf sbdf) {
        PciDev d = dev(sbdf);
        PhysicalFunction f = host.require(sbdf);
        int cmd = cfgRead(sbdf, 0x04, 2);
        int want = 0;
        for (int n = 0; n < f.layout().barCount(); n++) {
            if (!f.barImplemented(n)) continue;
            want |= f.barKind(n) == BarKind.IO ? 0x1 : 0x2;
        }
        if (f.romSize() > 0) want |= 0x2;
        if ((cmd & want) != want) cfgWrite(sbdf, 0x04, 2, cmd | want);
        d.enabled = true;
        acpiPciIrqEnable(d, f);
        steps.end("pci_enable_device " + sbdf);
    }

    private void acpiPciIrqEnable(PciDev d, PhysicalFunction f) {
        int pin = cfgRead(d.sbdf, 0x3d, 1);
        if (pin == 0) return;
        Optional<IntxRoute> route = host.routeAllocating(d.sbdf);
        if (route.isEmpty() || route.get().gsi() < 0) {
            log.info("pci %s: PCI INT %c: no GSI", d.sbdf, (char) ('A' + pin - 1));
            return;
        }
        IntxRoute r = route.get();
        int irq = registerGsi(r.gsi(), r.trigger() == TriggerMode.LEVEL, r.polarity() == Polarity.ACTIVE_LOW);
        if (irq < 0) return;
        d.irq = irq;
        d.gsiAtEnable = r.gsi();
        String link = r.viaLink() ? " -> Link[" + r.link() + "]" : "";
        log.info("pci %s: PCI INT %c%s -> GSI %d (%s, %s) -> IRQ %d", d.sbdf, (char) ('A' + pin - 1), link, r.gsi(),
                r.trigger() == TriggerMode.LEVEL ? "level" : "edge", r.polarity() == Polarity.ACTIVE_LOW ? "low" : "high", irq);
    }

    /**
     * acpi_register_gsi. A PV dom0 goes through xen_register_gsi (map_pirq for itself with pirq = gsi, then
     * PHYSDEVOP_setup_gsi); a PVH dom0 programs its virtual IO-APIC pin, masked until a driver requests the IRQ, so
     * Xen never hears of the GSI.
     */
    int registerGsi(int gsi, boolean level, boolean activeLow) {
        int known = irqs.irqOf(gsi);
        if (known >= 0) return known;
        if (!pvh()) {
            log.debug("xen: registering gsi %d triggering %d polarity %d", gsi, level ? 0 : 1, activeLow ? 1 : 0);
            PhysdevOps.PirqResult r = xen.physdev().mapPirq(dom0, dom0.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, gsi);
            if (r.rc() != 0) {
                log.log(Level.WARNING, "xen map irq failed " + r.rc());
                return -1;
            }
            int rc = xen.physdev().setupGsi(dom0, gsi, level ? 1 : 0, activeLow ? 1 : 0);
            if (rc == -Errno.EEXIST) log.info("Already setup the GSI :%d", gsi);
            else if (rc < 0) log.err("Failed to setup GSI :%d, err_code:%d", gsi, rc);
        } else {
            for (IoApic v : xen.dom0VioApics()) {
                if (gsi >= v.gsiBase() && gsi < v.gsiBase() + v.pins()) {
                    long entry = RedirectionEntry.fixed(nextVector++, level ? TriggerMode.LEVEL : TriggerMode.EDGE,
                            activeLow ? Polarity.ACTIVE_LOW : Polarity.ACTIVE_HIGH, 0) | RedirectionEntry.MASK;
                    v.setEntry(gsi - v.gsiBase(), entry);
                }
            }
        }
        return irqs.register(gsi);
    }

    /** pci_disable_device: decoding and bus mastering off. */
    public void disableDevice(Sbdf sbdf) {
        PciDev d = dev(sbdf);
        int cmd = cfgRead(sbdf, 0x04, 2);
        if ((cmd & 0x7) != 0) cfgWrite(sbdf, 0x04, 2, cmd & ~0x7);
        d.enabled = false;
        steps.end("pci_disable_device " + sbdf);
    }

    public boolean enabled(Sbdf sbdf) {
        return dev(sbdf).enabled;
    }

    // ---- resets and saved state (pci_save_state / pci_restore_state)

    /**
     * The kernel's device reset as this build does it (pcistub_reset_device_state): the reset, then the notification
     * to Xen if fix A is in and dom0 is PVH. Returns the notification's result (0 without one).
     */
    public int resetDeviceState(Sbdf sbdf) {
        return pciback.resetDeviceState(sbdf);
    }

    /** __pci_reset_function_locked: the device resets itself; nobody tells Xen. */
    public void resetFunction(Sbdf sbdf) {
        host.reset(sbdf, ResetKind.FLR);
    }

    /** pci_save_state: the header's 16 dwords, kept in the device (dev->saved_config_space); returns a copy. */
    public int[] saveState(Sbdf sbdf) {
        PciDev d = dev(sbdf);
        int[] saved = new int[16];
        for (int i = 0; i < 16; i++) saved[i] = cfgRead(sbdf, 4 * i, 4);
        d.savedState = saved;
        return saved.clone();
    }

    /** pci_restore_state: puts back what {@link #saveState} kept in the device; -EINVAL if nothing was saved. */
    public int restoreState(Sbdf sbdf) {
        PciDev d = dev(sbdf);
        if (d.savedState == null) return -vdm.errno.Errno.EINVAL;
        restoreState(sbdf, d.savedState);
        return 0;
    }

    /** What {@link #saveState} last kept for the device, a copy; empty before any save. */
    public Optional<int[]> savedState(Sbdf sbdf) {
        int[] s = dev(sbdf).savedState;
        return s == null ? Optional.empty() : Optional.of(s.clone());
    }

    /**
     * pci_restore_config_space for a type 0 header: dwords 10..15, then the BARs (4..9) with up to 10 retries, then
     * 0..3 (COMMAND last); a dword is written only if it reads back different, as pci_restore_config_dword does.
     */
    public void restoreState(Sbdf sbdf, int[] saved) {
        restoreRange(sbdf, saved, 10, 15, 0);
        restoreRange(sbdf, saved, 4, 9, 10);
        restoreRange(sbdf, saved, 0, 3, 0);
        steps.end("pci_restore_state " + sbdf);
    }

    private void restoreRange(Sbdf sbdf, int[] saved, int from, int to, int retry) {
        for (int i = to; i >= from; i--) {
            int val = cfgRead(sbdf, 4 * i, 4);
            if (val == saved[i]) continue;
            for (int left = retry; ; left--) {
                log.debug("pci %s: restore config %#04x: %#010x -> %#010x", sbdf, 4 * i, val, saved[i]);
                cfgWrite(sbdf, 4 * i, 4, saved[i]);
                if (left <= 0) break;
                val = cfgRead(sbdf, 4 * i, 4);
                if (val == saved[i]) break;
            }
        }
    }

    /** xen_acpi_get_gsi_info: the GSI, trigger and polarity of the function's INTx, evaluated now; empty without INTx. */
    public Optional<IntxRoute> gsiInfo(Sbdf sbdf) {
        if (host.read(sbdf, 0x3d, 1) == 0) return Optional.empty();
        return host.routeAllocating(sbdf).filter(IntxRoute::routed);
    }

    /** The Linux IRQ the kernel gave the function (sysfs irq), 0 if none. */
    public int irq(Sbdf sbdf) {
        return dev(sbdf).irq;
    }

    int gsiAtEnable(Sbdf sbdf) {
        return dev(sbdf).gsiAtEnable;
    }

    void bind(Sbdf sbdf, Driver driver) {
        dev(sbdf).driver = driver;
    }
}
