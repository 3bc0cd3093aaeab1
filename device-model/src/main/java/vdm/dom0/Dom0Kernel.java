package vdm.dom0;

import java.util.Map;
import java.util.Optional;
import vdm.host.Host;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.log.StepBus;
import vdm.model.Fixes;
import vdm.pci.ConfigRegisters;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;
import vdm.xen.Domain;
import vdm.xen.Xen;

/**
 * dom0's Linux kernel, as far as passthrough sees it: the one object the toolstack, the scenario, the explorer and
 * the snapshots talk to. It owns the parts, each modelling one piece of the kernel: {@link PciConfigAccess} (how
 * config accesses reach a device), {@link ResourceAssignment} (BAR addresses), {@link PciEnable} with
 * {@link AcpiIrqRouting} (pci_enable_device and the INTx's IRQ), {@link ConfigStateSaver} (pci_save_state /
 * pci_restore_state), and the devices ({@link PciDev}) with the driver bound to each. pciback, privcmd and the sysfs
 * view build on it.
 */
public final class Dom0Kernel {
    public enum Driver { NONE, NATIVE, PCIBACK }

    /** Host bridges get no driver at boot (base class 06, subclass 00: PCI_CLASS_BRIDGE_HOST, linux/pci_ids.h). */
    private static final int PCI_CLASS_BRIDGE_HOST = 0x0600;

    private final Host host;
    private final Xen xen;
    private final Domain dom0;
    private final Fixes fixes;
    private final KernelLog log = new KernelLog();
    private final LinuxIrqs irqs;
    private final PciDevices devices;
    private final PciConfigAccess config;
    private final ResourceAssignment resources;
    private final AcpiIrqRouting irqRouting;
    private final PciEnable enabling;
    private final ConfigStateSaver stateSaver;
    private final Pciback pciback;
    private final Privcmd privcmd;
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
        this.devices = new PciDevices(host);
        this.config = new PciConfigAccess(host, xen, dom0);
        this.resources = new ResourceAssignment(host, config, devices, log, steps);
        this.irqRouting = new AcpiIrqRouting(host, xen, dom0, config, irqs, log);
        this.enabling = new PciEnable(host, config, devices, irqRouting, steps);
        this.stateSaver = new ConfigStateSaver(config, devices, log, steps);
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

    /** Snapshot support: the devices, and the vector cursor. */
    Map<Sbdf, PciDev> devices() {
        return devices.all();
    }

    /**
     * The allocators' cursors: the IO-APIC vector's. (Resource assignment keeps none: it runs at boot, and what it
     * placed is in the devices' resources.)
     */
    Dom0State.Cursors cursors() {
        return new Dom0State.Cursors(irqRouting.nextVector());
    }

    void restoreCursors(Dom0State.Cursors c) {
        irqRouting.restoreNextVector(c.nextVector());
    }

    PciDev dev(Sbdf sbdf) {
        return devices.get(sbdf);
    }

    public boolean exists(Sbdf sbdf) {
        return devices.exists(sbdf);
    }

    public Driver driver(Sbdf sbdf) {
        return dev(sbdf).driver;
    }

    /** Binds a driver to the device (or NONE: unbound), as the driver core's probe and unbind do. */
    void bind(Sbdf sbdf, Driver driver) {
        dev(sbdf).driver = driver;
    }

    /** The sysfs directory /sys/bus/pci/devices/SBDF. */
    public SysfsDevice sysfs(Sbdf sbdf) {
        dev(sbdf);
        return new SysfsDevice(this, sbdf);
    }

    // ---- configuration access as dom0's kernel does it

    public int cfgRead(Sbdf sbdf, int offset, int size) {
        return config.read(sbdf, offset, size);
    }

    public void cfgWrite(Sbdf sbdf, int offset, int size, int value) {
        config.write(sbdf, offset, size, value);
    }

    // ---- boot

    /**
     * Boots the PCI subsystem: assigns every unassigned BAR (decoding off, as pci_assign_unassigned_resources), then
     * binds native drivers and enables the devices in SBDF order, which registers their GSIs in that order.
     */
    public void boot() {
        boot(java.util.Set.of());
    }

    /** {@link #boot()}, with no driver for the functions in {@code withoutDriver}: they stay unbound and not enabled. */
    public void boot(java.util.Set<Sbdf> withoutDriver) {
        resources.assignUnassigned();
        resources.readBases();
        for (PhysicalFunction f : host.functions()) {
            int cls = host.read(f.sbdf(), ConfigRegisters.CLASS_REVISION, 4) >>> 16;
            if (cls == PCI_CLASS_BRIDGE_HOST || withoutDriver.contains(f.sbdf())) continue;
            bind(f.sbdf(), Driver.NATIVE);
            enableDevice(f.sbdf());
        }
    }

    /**
     * pciehp on the function's slot: the card is pulled and pushed back (or the slot powered off and on). The driver
     * is removed (pci_disable_device) and the function with it, which Linux's xen_remove_device reports to Xen
     * (PHYSDEVOP_pci_device_remove); the card powers up unconfigured (a cold reset: BARs zeroed, decoding off); the
     * rescan adds it (pci_device_add, whose bus notifier xen_add_device sends PHYSDEVOP_pci_device_add before any
     * resource is assigned), then assigns its BARs (pci_assign_unassigned_bridge_resources), and the driver probes
     * and enables it.
     */
    public void replug(Sbdf sbdf) {
        PciDev d = dev(sbdf);
        if (d.enabled) enabling.disable(sbdf);
        xen.physdev().pciDeviceRemove(dom0, sbdf);
        host.reset(sbdf, ResetKind.COLD);
        d.driver = Driver.NONE; // a new struct pci_dev
        d.irq = 0;
        d.gsiAtEnable = -1;
        d.savedState = null;
        java.util.Arrays.fill(d.resource, 0);
        xen.physdev().pciDeviceAdd(dom0, sbdf);
        resources.assignUnassigned();
        resources.readBases(host.require(sbdf));
        bind(sbdf, Driver.NATIVE);
        enableDevice(sbdf);
        steps.end("pciehp " + sbdf);
    }

    /**
     * Moves BAR n to {@code address} as the kernel's resource code does (pci_update_resource): the struct resource is
     * updated, then the register written, with memory decoding turned off around it or (as Linux does for a 32-bit
     * BAR) left on.
     */
    public void moveBar(Sbdf sbdf, int n, long address, boolean decodingOff) {
        resources.update(sbdf, n, address, decodingOff);
    }

    /** The kernel's resource start for BAR n (6 = ROM). */
    long assigned(Sbdf sbdf, int n) {
        return resources.assigned(sbdf, n);
    }

    // ---- pci_enable_device / pci_disable_device

    /**
     * pci_enable_device: turns on I/O and memory decoding for the BARs the function has, then routes its INTx
     * through ACPI (acpi_pci_irq_enable): _PRT lookup (a link is given an IRQ on first use), acpi_register_gsi, and
     * the classic line "PCI INT A -> GSI 28 (level, low) -> IRQ 17".
     */
    public void enableDevice(Sbdf sbdf) {
        enabling.enable(sbdf);
    }

    /** pci_disable_device: decoding and bus mastering off. */
    public void disableDevice(Sbdf sbdf) {
        enabling.disable(sbdf);
    }

    public boolean enabled(Sbdf sbdf) {
        return dev(sbdf).enabled;
    }

    /**
     * A driver's request_irq on the function's interrupt (its probe, after pci_enable_device). With shared-line-msi the
     * driver takes an MSI where the function has one (pci_alloc_irq_vectors with PCI_IRQ_MSI: the capability programmed
     * and enabled through dom0's config path) and leaves its INTx pin masked; otherwise it requests the INTx IRQ, and a
     * PVH dom0 unmasks the IRQ's virtual IO-APIC pin (the IO-APIC chip's startup), which is when Xen registers, maps
     * and binds that GSI for dom0 (vioapic_hwdom_map_gsi). Returns the GSI whose pin was unmasked, 0 for an MSI, or
     * -1 for a function that is not enabled or has no interrupt.
     */
    public int requestIrq(Sbdf sbdf) {
        PciDev d = dev(sbdf);
        if (d == null || !d.enabled) return -1;
        if (fixes.on(vdm.model.Fix.SHARED_LINE_MSI) && irqRouting.enableMsi(sbdf)) return 0;
        if (d.gsiAtEnable < 0) return -1;
        irqRouting.unmask(d.gsiAtEnable);
        return d.gsiAtEnable;
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
        return stateSaver.save(sbdf);
    }

    /** pci_restore_state: puts back what {@link #saveState} kept in the device; -EINVAL if nothing was saved. */
    public int restoreState(Sbdf sbdf) {
        return stateSaver.restore(sbdf);
    }

    /** What {@link #saveState} last kept for the device, a copy; empty before any save. */
    public Optional<int[]> savedState(Sbdf sbdf) {
        return stateSaver.saved(sbdf);
    }

    /** Writes {@code saved} back in pci_restore_config_space's order; see {@link ConfigStateSaver#restore(Sbdf, int[])}. */
    public void restoreState(Sbdf sbdf, int[] saved) {
        stateSaver.restore(sbdf, saved);
    }

    // ---- interrupts

    /** xen_acpi_get_gsi_info: the GSI, trigger and polarity of the function's INTx, evaluated now; empty without INTx. */
    public Optional<IntxRoute> gsiInfo(Sbdf sbdf) {
        return irqRouting.gsiInfo(sbdf);
    }

    /** The Linux IRQ the kernel gave the function (sysfs irq), 0 if none. */
    public int irq(Sbdf sbdf) {
        return dev(sbdf).irq;
    }

    int gsiAtEnable(Sbdf sbdf) {
        return dev(sbdf).gsiAtEnable;
    }
}
