package vdm.xen;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Which behaviour of Xen is modelled: one {@link Switch} per upstream change that matters for passthrough with a PVH
 * dom0, held as bits of one {@code long} so that a hot path's test is a load and a mask. {@link #UPSTREAM} is Xen
 * 4.20+ with every later fix; {@link #XEN_4_19} is Xen 4.19 as released, before the PVH dom0 passthrough fixes.
 * {@code vdm.model.Fixes} derives the config of a whole model from its switches.
 */
public final class XenConfig {
    /** One upstream change of Xen, with the commit that made it. */
    public enum Switch {
        /**
         * vPCI's header handlers decide on what Xen itself mapped, as Xen >= 4.17 does (commit 7abd7bc162, "vpci:
         * refuse BAR writes only if the BAR is mapped"): cmd_write and rom_write compare with header->bars_mapped,
         * bar_write and rom_write refuse on bar->enabled. Off: Xen 4.13-4.16, which read the hardware's COMMAND
         * (and rom_write header->rom_enabled) instead.
         */
        VPCI_TESTS_MAPPED,
        /** hvm_physdev_op lets map_pirq/unmap_pirq through without has_pirq (4.20, fix B). */
        PVH_MAP_PIRQ,
        /**
         * bar_write accepts the hardware domain's write of a BAR that is mapped and moves the mapping with it: the old
         * range out of the p2m, the BAR written, the new range in. Not upstream: Xen's gitlab issue #197 ("Linux 32bit BAR
         * atomic repositioning", open) asks for it, since Linux's pci_std_update_resource turns memory decoding off
         * around a BAR update only for 64-bit BARs. Off: bar_write ignores the write ("ignored BAR %u write while mapped").
         */
        BAR_WRITE_REMAP,
        /** hvm_physdev_op lets the hardware domain call setup_gsi (4.20, part of fix C). */
        PVH_SETUP_GSI,
        /** PHYSDEVOP_pci_device_reset exists (4.20, fix A); the v4 series called it pci_device_state_reset. */
        PCI_DEVICE_RESET,
        /** XEN_DOMCTL_gsi_permission exists (4.20). */
        GSI_PERMISSION,
        /**
         * map_domain_pirq looks the device of an MSI up among the target domain's own (pci_get_pdev_by_domain) and
         * refuses one it does not own with -ENODEV (commit 3308374b1b, XSA-237, Xen 4.10 and the stable branches).
         * Off: Xen before it, whose pci_get_pdev found the device whoever owned it, so a domain's device model could
         * map, and program, an MSI of a device the domain was never given.
         */
        MSI_MAP_OWNED,
        /**
         * vPCI forwards a hardware domain's accesses to the rest of the pages that hold an MSI-X table or PBA to the
         * device (Xen 4.18, commit b177892d2d, "vpci/msix: handle accesses adjacent to the MSI-X table"). Off: the
         * earlier behaviour, which dropped them (reads ~0).
         */
        MSIX_ADJACENT,
        /**
         * vpci_make_msix_hole skips a table or PBA whose BAR is not mapped (Xen commit 7c24d58a6e, "vpci/msix: check for
         * BARs enabled in vpci_make_msix_hole": vmsix_table_bar_valid), and modify_decoding punches the hole after
         * setting each BAR's enabled. Off: the hole is punched at the BAR's address whatever its state, so a device
         * added with its BARs zeroed and decoding off fails init_msix with -EEXIST on dom0's RAM at frame 0 (the
         * regression ee2eb6849d brought by calling vpci_make_msix_hole from init_msix).
         */
        MSIX_HOLE_ENABLED_BARS,
        /**
         * init_msix checks that the table's and PBA's BIR name a memory BAR that holds them (Xen commit 53859596c0,
         * "vpci/msix: improve handling of bogus MSI-X capabilities": "Device bug: %pp: MSI-X %s table ...", -ENODEV,
         * and the capability is masked). Off: a BIR naming an empty BAR is taken at its address, 0, so
         * vpci_make_msix_hole later finds dom0's RAM there and memory decoding is never turned on.
         */
        MSIX_BIR_CHECK,
        /**
         * Xen clears an MSI-X function's MASKALL and ENABLE when it learns of the device at boot (Xen 4.18, commit
         * 913751d7af, "x86/msi: clear initial MSI-X state on boot", pdev_msi_init: "unexpected initial MSI-X state
         * (MASKALL=%d, ENABLE=%d), fixing"). Off: firmware's MASKALL stays, and pci_reset_msix_state's refusal of a
         * function with MASKALL set (-EBUSY at assign_device, in every version) refuses the device.
         */
        MSIX_RESET_INITIAL_STATE,
        /**
         * vPCI maps a BAR that overlaps the host's memory map without the overlapped frames, and counts it as mapped
         * (Xen 4.21, commit 4acab25a93, "x86/vpci: fix handling of BAR overlaps with non-hole regions": x86
         * pci_check_bar always passes, pci_sanitize_bar_memory removes the memory map's frames). Off: pci_check_bar
         * is is_memory_hole, so modify_bars skips such a BAR ("not mapping BAR [...] invalid position") and leaves its
         * {@code enabled} clear, and vPCI's MSI-X handlers take the BAR for unmapped.
         */
        VPCI_BAR_SANITIZE,
        /**
         * Xen leaves memory decoding of a device whose BAR overlaps the memory map as firmware set it (commit
         * 53d9133638, "pci: do not disable memory decoding for devices", 4.17). Off: 75cc460a1b's check_pdev, which
         * turns decoding off at boot ("%pp disabled: %sBAR [%#lx, %#lx] overlaps with memory map").
         */
        PCI_KEEP_DECODING,
        /**
         * XENFEAT_dm_msix_all_writes (Xen 4.19, commit 64b21662b1): msixtbl forwards every guest write of an MSI-X
         * Vector Control to the device model instead of handling the mask bit itself. Off: Xen 4.18 and earlier.
         */
        DM_MSIX_ALL_WRITES;

        final long bit() {
            return 1L << ordinal();
        }
    }

    /** Every switch off: Xen 4.16 as far as vdm models it, but for XSA-237's MSI ownership check (4.10), which is off too. */
    public static final XenConfig NONE = new XenConfig(0);
    /** Xen 4.19: before the PVH dom0 passthrough fixes, with 4.17-4.19's vPCI and MSI-X behaviour. */
    public static final XenConfig XEN_4_19 = NONE.with(Switch.VPCI_TESTS_MAPPED, true).with(Switch.MSIX_ADJACENT, true)
            .with(Switch.MSIX_HOLE_ENABLED_BARS, true).with(Switch.MSIX_RESET_INITIAL_STATE, true).with(Switch.PCI_KEEP_DECODING, true)
            .with(Switch.DM_MSIX_ALL_WRITES, true).with(Switch.MSI_MAP_OWNED, true);
    /** Every switch today's Xen has: all of them but {@link Switch#BAR_WRITE_REMAP}, a proposal (issue #197). */
    public static final XenConfig UPSTREAM = of(EnumSet.complementOf(EnumSet.of(Switch.BAR_WRITE_REMAP)));

    private final long bits;

    private XenConfig(long bits) {
        this.bits = bits;
    }

    /** The config with exactly these switches on. */
    public static XenConfig of(Set<Switch> on) {
        long b = 0;
        for (Switch s : on) b |= s.bit();
        return new XenConfig(b);
    }

    public boolean on(Switch s) {
        return (bits & s.bit()) != 0;
    }

    public XenConfig with(Switch s, boolean on) {
        return new XenConfig(on ? bits | s.bit() : bits & ~s.bit());
    }

    public Set<Switch> switches() {
        EnumSet<Switch> out = EnumSet.noneOf(Switch.class);
        for (Switch s : Switch.values()) if (on(s)) out.add(s);
        return out;
    }

    public boolean vpciTestsMapped() { return (bits & (1L << Switch.VPCI_TESTS_MAPPED.ordinal())) != 0; }
    public boolean pvhMapPirq() { return (bits & (1L << Switch.PVH_MAP_PIRQ.ordinal())) != 0; }
    public boolean barWriteRemap() { return (bits & (1L << Switch.BAR_WRITE_REMAP.ordinal())) != 0; }
    public boolean pvhSetupGsi() { return (bits & (1L << Switch.PVH_SETUP_GSI.ordinal())) != 0; }
    public boolean pciDeviceReset() { return (bits & (1L << Switch.PCI_DEVICE_RESET.ordinal())) != 0; }
    public boolean gsiPermission() { return (bits & (1L << Switch.GSI_PERMISSION.ordinal())) != 0; }
    public boolean msixAdjacent() { return (bits & (1L << Switch.MSIX_ADJACENT.ordinal())) != 0; }
    public boolean msixHoleEnabledBars() { return (bits & (1L << Switch.MSIX_HOLE_ENABLED_BARS.ordinal())) != 0; }
    public boolean msixBirCheck() { return (bits & (1L << Switch.MSIX_BIR_CHECK.ordinal())) != 0; }
    public boolean msixResetInitialState() { return (bits & (1L << Switch.MSIX_RESET_INITIAL_STATE.ordinal())) != 0; }
    public boolean msiMapOwned() { return (bits & (1L << Switch.MSI_MAP_OWNED.ordinal())) != 0; }
    public boolean vpciBarSanitize() { return (bits & (1L << Switch.VPCI_BAR_SANITIZE.ordinal())) != 0; }
    public boolean pciKeepDecoding() { return (bits & (1L << Switch.PCI_KEEP_DECODING.ordinal())) != 0; }
    public boolean dmMsixAllWrites() { return (bits & (1L << Switch.DM_MSIX_ALL_WRITES.ordinal())) != 0; }

    @Override
    public boolean equals(Object o) {
        return o instanceof XenConfig c && c.bits == bits;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits);
    }

    /** The switches that are on, e.g. {@code XenConfig[VPCI_TESTS_MAPPED, MSIX_ADJACENT]}. */
    @Override
    public String toString() {
        List<String> on = new ArrayList<>();
        for (Switch s : switches()) on.add(s.name());
        return "XenConfig" + on;
    }
}
