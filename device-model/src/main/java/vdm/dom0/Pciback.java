package vdm.dom0;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import vdm.host.IntxRoute;
import vdm.pci.Sbdf;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.errno.Errno;
import vdm.xen.PhysdevOps;

/**
 * xen-pciback's stub driver (drivers/xen/xen-pciback/pci_stub.c): seizing a device for passthrough
 * (pcistub_init_device), giving it back after a guest (pcistub_put_pci_dev), and the GSI it records for privcmd.
 */
public final class Pciback {
    private static final KernelLog.Expected ALREADY_SET_UP = new KernelLog.Expected(-Errno.EEXIST,
            "xen_pvh_setup_gsi treats a GSI already set up as done (\"Already setup the GSI\")");

    /** dev_data: what pciback keeps per device. */
    private static final class DevData {
        int[] savedState;
        /** psdev->gsi: the GSI recorded during init (a PVH dom0 with fix C or privcmd's lookup), -1 if none. */
        int gsi = -1;
    }

    private final Dom0Kernel kernel;
    private final Map<Sbdf, DevData> held = new HashMap<>();

    Pciback(Dom0Kernel kernel) {
        this.kernel = kernel;
    }

    /** {sbdf -> {gsi, saved dwords...}}, for a snapshot. */
    /** The devices held, by SBDF, with their GSI and saved state (a state capture). */
    synchronized Dom0State.Held[] export() {
        return held.entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .map(e -> new Dom0State.Held(e.getKey(), e.getValue().gsi, e.getValue().savedState.clone()))
                .toArray(Dom0State.Held[]::new);
    }

    /** Replaces the devices held (a state restore). */
    synchronized void restore(Dom0State.Held[] saved) {
        held.clear();
        for (Dom0State.Held h : saved) {
            DevData d = new DevData();
            d.gsi = h.gsi();
            d.savedState = h.savedState().clone();
            held.put(h.sbdf(), d);
        }
    }

    public synchronized boolean holds(Sbdf sbdf) {
        return held.containsKey(sbdf);
    }

    public synchronized java.util.List<Sbdf> devices() {
        return held.keySet().stream().sorted().toList();
    }

    /**
     * The GSI pciback answers for the device, or -1: psdev->gsi, recorded when it seized the device
     * (pcistub_get_gsi_from_sbdf, Linux 6.12). With gsi-current, Bjorn Helgaas's point in his review of v4 3/3 ("if they
     * are reconfigured at run-time (via _SRS), the cached GSI will be wrong") taken up: the route _PRT gives now
     * (acpi_pci_irq_lookup through xen_acpi_get_gsi_info), for a device pciback recorded a GSI for.
     */
    public synchronized int gsi(Sbdf sbdf) {
        DevData d = held.get(sbdf);
        if (d == null) return -1;
        if (d.gsi >= 0 && kernel.fixes().on(Fix.GSI_CURRENT)) return kernel.gsiInfo(sbdf).map(IntxRoute::gsi).orElse(-1);
        return d.gsi;
    }

    /**
     * What privcmd's GET_GSI gets from pciback (pcistub_get_gsi_from_sbdf): {@link #gsi}, -ENODEV for a device pciback
     * does not hold. With gsi-current a GSI that moved since pciback set it up is set up now, as pcistub_init_device
     * does at seize (xen_pvh_setup_gsi, fix C), and recorded, so that Xen knows the line libxl is about to map; a
     * refused setup is returned as its -errno.
     */
    synchronized int gsiForPrivcmd(Sbdf sbdf) {
        DevData d = held.get(sbdf);
        if (d == null) return -Errno.ENODEV;
        if (d.gsi < 0 || !kernel.fixes().on(Fix.GSI_CURRENT)) return d.gsi;
        Optional<IntxRoute> now = kernel.gsiInfo(sbdf);
        if (now.isEmpty()) return -1;
        if (now.get().gsi() == d.gsi) return d.gsi;
        if (kernel.fixes().setupGsi() && kernel.pvh()) {
            int rc = setupGsi(sbdf, now.get());
            if (rc < 0) return rc;
        }
        d.gsi = now.get().gsi();
        return d.gsi;
    }

    /**
     * Binds the device to pciback (xl pci-assignable-add): the native driver lets go (pci_disable_device), then
     * pcistub_init_device. Returns 0 or the -errno of the failing step; on failure the device is not held.
     */
    public synchronized int seize(Sbdf sbdf) {
        if (held.containsKey(sbdf)) return -Errno.EBUSY;
        if (kernel.driver(sbdf) == Dom0Kernel.Driver.NATIVE) kernel.disableDevice(sbdf);
        kernel.bind(sbdf, Dom0Kernel.Driver.PCIBACK);
        kernel.log().info("pciback %s: seizing device", sbdf);
        DevData data = new DevData();
        int rc = initDevice(sbdf, data);
        if (rc != 0) {
            kernel.bind(sbdf, Dom0Kernel.Driver.NONE);
            return rc;
        }
        held.put(sbdf, data);
        return 0;
    }

    /**
     * pcistub_init_device: enable (the "HACK" that makes ACPI give the device its IRQ), save the state, reset,
     * [fix A: tell Xen], restore, [fix C: look the GSI up through _PRT and PHYSDEVOP_setup_gsi it; no INTx pin, no
     * GSI], disable. On a PVH dom0 the GSI found is recorded in psdev->gsi for privcmd's GET_GSI; upstream records it
     * in the same block as the setup, and vdm's combination of privcmd's lookup without fix C records it without
     * the setup hypercall.
     */
    private int initDevice(Sbdf sbdf, DevData data) {
        kernel.log().debug("pciback %s: initializing...", sbdf);
        kernel.log().debug("pciback %s: enabling device", sbdf);
        kernel.enableDevice(sbdf);
        kernel.log().debug("pciback %s: save state of device", sbdf);
        data.savedState = kernel.saveState(sbdf);
        kernel.log().debug("pciback %s: resetting (FLR, D3, etc) the device", sbdf);
        int rc = resetDeviceState(sbdf);
        if (rc != 0) {
            kernel.disableDevice(sbdf);
            return rc;
        }
        kernel.restoreState(sbdf, data.savedState);
        Fixes fixes = kernel.fixes();
        if (!fixes.setupGsi() && fixes.gsiLookup() == Fixes.GsiLookup.PRIVCMD && kernel.pvh()) {
            data.gsi = kernel.gsiInfo(sbdf).map(IntxRoute::gsi).orElse(-1);
        }
        if (fixes.setupGsi() && kernel.pvh()) {
            Optional<IntxRoute> info = kernel.gsiInfo(sbdf);
            if (info.isPresent()) {
                rc = setupGsi(sbdf, info.get());
                if (rc < 0) {
                    kernel.disableDevice(sbdf);
                    return rc;
                }
                data.gsi = info.get().gsi();
            }
        }
        kernel.log().debug("pciback %s: disabling device", sbdf);
        kernel.disableDevice(sbdf);
        return 0;
    }

    /** xen_pvh_setup_gsi: PHYSDEVOP_setup_gsi for the route; 0 (an already set up GSI too) or the -errno. */
    private int setupGsi(Sbdf sbdf, IntxRoute r) {
        int gsi = r.gsi();
        // xen_pvh_setup_gsi takes -EEXIST (the pin set up already, by another function on the line or by dom0's own
        // unmask) for success: "Already setup the GSI".
        int rc = kernel.log().expecting(ALREADY_SET_UP, () -> kernel.xen().physdev().setupGsi(kernel.domain(), gsi,
                r.trigger() == TriggerMode.LEVEL ? 1 : 0, r.polarity() == Polarity.ACTIVE_LOW ? 1 : 0));
        if (rc == -Errno.EEXIST) {
            kernel.log().info("Already setup the GSI :%d", gsi);
            rc = 0;
        } else if (rc < 0) {
            kernel.log().err("Fail to setup GSI (%d)!", gsi);
            return rc;
        }
        kernel.step("xen_pvh_setup_gsi " + sbdf);
        return 0;
    }

    /**
     * pcistub_reset_device_state: __pci_reset_function_locked, then (fix A, a PVH dom0 only) the reset notification,
     * under the name the build uses: v4's PHYSDEVOP_pci_device_state_reset or upstream's PHYSDEVOP_pci_device_reset.
     */
    int resetDeviceState(Sbdf sbdf) {
        kernel.resetFunction(sbdf);
        Fixes fixes = kernel.fixes();
        int rc = 0;
        if (fixes.resetNotification() && kernel.pvh()) {
            PhysdevOps ops = kernel.xen().physdev();
            rc = fixes.gsiLookup() == Fixes.GsiLookup.SYSFS_GSI
                    ? ops.pciDeviceStateReset(kernel.domain(), sbdf, PhysdevOps.RESET_FLR)
                    : ops.pciDeviceReset(kernel.domain(), sbdf, PhysdevOps.RESET_FLR);
        }
        kernel.step("pcistub_reset_device_state " + sbdf);
        return rc;
    }

    /**
     * pcistub_put_pci_dev: a guest gave the device back; reset it, tell Xen (fix A), and load the state saved when
     * pciback seized it, so it is ready for the next domain.
     */
    public synchronized int putDevice(Sbdf sbdf) {
        DevData data = held.get(sbdf);
        if (data == null) return -Errno.ENODEV;
        int rc = resetDeviceState(sbdf);
        kernel.restoreState(sbdf, data.savedState);
        kernel.disableDevice(sbdf);
        return rc;
    }

    /** Unbinds pciback (xl pci-assignable-remove); the native driver takes the device back and enables it. */
    public synchronized int release(Sbdf sbdf, boolean rebind) {
        if (held.remove(sbdf) == null) return -Errno.ENODEV;
        kernel.bind(sbdf, rebind ? Dom0Kernel.Driver.NATIVE : Dom0Kernel.Driver.NONE);
        if (rebind) kernel.enableDevice(sbdf);
        return 0;
    }
}
