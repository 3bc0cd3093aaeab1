package vdm.model;

import vdm.xen.XenConfig;

/**
 * The four upstream fixes for passthrough with a PVH dom0, one switch per failure (docs/architecture.md, "Fixes and presets"):
 * (A) tell Xen a device was reset, (B) let a PVH dom0 call map_pirq, (C) set the GSI up during assignment (and grant
 * it with gsi_permission), (D) how the toolstack finds a device's GSI.
 */
public record Fixes(boolean resetNotification, boolean pvhMapPirq, boolean setupGsi, GsiLookup gsiLookup) {
    /** Fix D: where the toolstack takes the interrupt number it maps. */
    public enum GsiLookup {
        /** sysfs {@code irq}: a Linux IRQ number, taken for a GSI (failure 4 when they differ). */
        NONE,
        /** sysfs {@code gsi}, the attribute v4 of the series added (refused upstream). */
        SYSFS_GSI,
        /** {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}, the upstream answer. */
        PRIVCMD
    }

    public Fixes {
        if (gsiLookup == null) throw new IllegalArgumentException("GSI lookup (fix D) is missing");
    }

    /**
     * What the hypervisor does under these fixes (Xen 4.20's filter and hypercalls come with B, C and A). Every preset
     * is Xen 4.19 or later, so vPCI always tests what it mapped (4.17's vpciTestsMapped) and the MSI-X behaviour of
     * 4.18-4.19 (adjacent accesses, the initial-state reset, every Vector Control write to the device model) is on.
     */
    public XenConfig xenConfig() {
        return new XenConfig(true, pvhMapPirq, setupGsi, resetNotification, setupGsi, true, true, true);
    }

    public Fixes withResetNotification(boolean v) { return new Fixes(v, pvhMapPirq, setupGsi, gsiLookup); }
    public Fixes withPvhMapPirq(boolean v) { return new Fixes(resetNotification, v, setupGsi, gsiLookup); }
    public Fixes withSetupGsi(boolean v) { return new Fixes(resetNotification, pvhMapPirq, v, gsiLookup); }
    public Fixes withGsiLookup(GsiLookup v) { return new Fixes(resetNotification, pvhMapPirq, setupGsi, v); }

    @Override
    public String toString() {
        return String.format("A reset-notification=%s B pvh-map-pirq=%s C setup-gsi=%s D gsi-lookup=%s",
                onOff(resetNotification), onOff(pvhMapPirq), onOff(setupGsi), gsiLookup.name().toLowerCase().replace('_', '-'));
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }
}
