package vdm.xen;

/**
 * Which behaviour of Xen is modelled, one switch per upstream change that matters for passthrough with a PVH dom0.
 * {@link #UPSTREAM} is Xen 4.20+; {@link #XEN_4_19} is before the PVH dom0 passthrough fixes.
 */
public record XenConfig(
        /**
         * vPCI's header handlers decide on what Xen itself mapped, as Xen >= 4.17 does (commit 7abd7bc162, "vpci:
         * refuse BAR writes only if the BAR is mapped"): cmd_write and rom_write compare with header->bars_mapped,
         * bar_write and rom_write refuse on bar->enabled. False: Xen 4.13-4.16, which read the hardware's COMMAND
         * (and rom_write header->rom_enabled) instead.
         */
        boolean vpciTestsMapped,
        /** hvm_physdev_op lets map_pirq/unmap_pirq through without has_pirq (4.20, fix B). */
        boolean pvhMapPirq,
        /** hvm_physdev_op lets the hardware domain call setup_gsi (4.20, part of fix C). */
        boolean pvhSetupGsi,
        /** PHYSDEVOP_pci_device_reset exists (4.20, fix A); the v4 series called it pci_device_state_reset. */
        boolean pciDeviceReset,
        /** XEN_DOMCTL_gsi_permission exists (4.20). */
        boolean gsiPermission,
        /**
         * vPCI forwards a hardware domain's accesses to the rest of the pages that hold an MSI-X table or PBA to the
         * device (Xen 4.18, commit b177892d2d, "vpci/msix: handle accesses adjacent to the MSI-X table"). False: the
         * earlier behaviour, which dropped them (reads ~0).
         */
        boolean msixAdjacent,
        /**
         * Xen clears an MSI-X function's initial state when it learns of the device and refuses to assign one whose
         * MASKALL is set in hardware (Xen 4.19, commit 913751d7af, pci_reset_msix_state: "unexpected initial MSI-X
         * state (MASKALL=%d, ENABLE=%d), fixing"). False: neither.
         */
        boolean msixResetInitialState,
        /**
         * XENFEAT_dm_msix_all_writes (Xen 4.19, commit 64b21662b1): msixtbl forwards every guest write of an MSI-X
         * Vector Control to the device model instead of handling the mask bit itself. False: Xen 4.18 and earlier.
         */
        boolean dmMsixAllWrites) {

    /** Xen 4.19: before the PVH dom0 passthrough fixes, with 4.17-4.19's vPCI and MSI-X behaviour. */
    public static final XenConfig XEN_4_19 = new XenConfig(true, false, false, false, false, true, true, true);
    public static final XenConfig UPSTREAM = new XenConfig(true, true, true, true, true, true, true, true);
}
