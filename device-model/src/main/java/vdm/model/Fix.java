package vdm.model;

import java.util.Arrays;
import java.util.List;
import vdm.xen.XenConfig;

/**
 * Every switch vdm has, one per upstream fix (or, where upstream has none yet, per proposal), with where it comes
 * from. A switch is read by the one layer whose behaviour it changes; {@link Fixes} holds a model's settings and
 * {@link Fixes#xenConfig()} derives Xen's. {@code --fix NAME=on|off} on the command line names a switch by its
 * {@link #label()}, and {@code --list-fixes} prints this table.
 *
 * <p>To add a switch (docs/architecture.md, "Where to add things"): a constant here with its label, layer, source,
 * one-line summary, the value a document written before the switch existed means ({@code absent}: how vdm behaved
 * until then), whether Xen 4.19/Linux 6.6/QEMU 8 as released ({@code inBroken}) and today's upstream
 * ({@code inUpstream}) have it, which is what the presets are made of; if Xen reads it, the {@link XenConfig.Switch}es
 * it turns on. The four of the series (A to D) are named by {@link #series()}.
 */
public enum Fix {
    RESET_NOTIFICATION("reset-notification", Layer.DOM0, "the PVH dom0 series (fix A): Xen 4.20 PHYSDEVOP_pci_device_reset, Linux 6.12 xen-pciback",
            "pciback tells Xen a device was reset, so vPCI rebuilds its header cache", false, false, true, XenConfig.Switch.PCI_DEVICE_RESET),
    PVH_MAP_PIRQ("pvh-map-pirq", Layer.XEN, "the PVH dom0 series (fix B): Xen 4.20 hvm_physdev_op",
            "a PVH dom0 may call PHYSDEVOP_map_pirq/unmap_pirq", false, false, true, XenConfig.Switch.PVH_MAP_PIRQ),
    SETUP_GSI("setup-gsi", Layer.DOM0, "the PVH dom0 series (fix C): Linux 6.12 xen-pciback, Xen 4.20 XEN_DOMCTL_gsi_permission",
            "pciback sets the GSI up (PHYSDEVOP_setup_gsi) and libxl grants it with gsi_permission", false, false, true,
            XenConfig.Switch.PVH_SETUP_GSI, XenConfig.Switch.GSI_PERMISSION),
    LIBXL_RESOURCE_64("libxl-resource-64", Layer.TOOLSTACK,
            "Xen 421432b822 \"tools/libs/light: fix BAR memory address truncation\" (XSA-476 / CVE-2025-58149, Jiqian Chen)",
            "libxl's pci_remove_detached reads sysfs resource as 64-bit, so a detach revokes the iomem permission of a BAR above 4 GiB",
            true, false, true),
    MSI_MAP_OWNED("msi-map-owned", Layer.XEN,
            "Xen 3308374b1b \"x86: don't allow MSI pIRQ mapping on unowned device\" (XSA-237, reported by HW42 of Qubes OS)",
            "map_domain_pirq maps an MSI only for a device the target domain owns (pci_get_pdev_by_domain): else -ENODEV",
            true, true, true, XenConfig.Switch.MSI_MAP_OWNED),
    SHARED_LINE_MSI("shared-line-msi", Layer.DOM0,
            "no upstream fix: pirq_guest_bind (xen/arch/x86/irq.c) will not let a guest share an irq the hardware domain bound"
                    + " edge-triggered (\"Others do not share\"); the switch models the workaround, dom0's driver taking MSI"
                    + " (pci_alloc_irq_vectors with PCI_IRQ_MSI) so that it never binds the line",
            "dom0's driver requests an MSI where its function has one, instead of the INTx line it may share with a passed-through function",
            false, false, false),
    GSI_LOOKUP("gsi-lookup", Layer.TOOLSTACK, "the PVH dom0 series (fix D): Linux 6.12 IOCTL_PRIVCMD_PCIDEV_GET_GSI, libxl xc_pcidev_get_gsi",
            "where the toolstack finds a device's GSI: none (sysfs irq), sysfs-gsi (v4) or privcmd; on = privcmd", false, false, true),
    GSI_CURRENT("gsi-current", Layer.DOM0, "Bjorn Helgaas's review of \"[RFC KERNEL PATCH v4 3/3] PCI/sysfs: Add gsi sysfs for pci_dev\" "
            + "(2024-04-09: \"if they are reconfigured at run-time (via _SRS), the cached GSI will be wrong\"); a review point, upstream "
            + "(Linux 6.12 pcistub_get_gsi_from_sbdf) still answers the GSI recorded at seize",
            "privcmd's GET_GSI answers the device's _PRT route now, and pciback sets a re-routed GSI up, instead of psdev->gsi recorded at seize",
            false, false, false),
    BAR_WRITE_REMAP("bar-write-remap", Layer.XEN, "Xen gitlab issue #197 \"Linux 32bit BAR atomic repositioning\" (open; "
            + "xen/drivers/vpci/header.c's bar_write still refuses a mapped BAR)",
            "vPCI accepts dom0's write of a mapped BAR and moves the p2m mapping with it (unmap the old range, write, map the new one)",
            false, false, false, XenConfig.Switch.BAR_WRITE_REMAP),
    HVMLOADER_DECODE_LAST("hvmloader-decode-last", Layer.GUEST_FIRMWARE, "Xen a8e0c228c7 (4.14) \"hvmloader: enable MMIO and I/O decode, "
            + "after all resource allocation\" (Harsha Shamsundara Havanur)",
            "hvmloader's pci_setup clears a function's decoding before it programs the BARs and turns it on after them all; off: "
            + "on after each BAR, so a 64-bit BAR's low half is decoded before its high half is written", true, true, true),
    VPCI_TESTS_MAPPED("vpci-tests-mapped", Layer.XEN, "Xen 7abd7bc162 (4.17)",
            "vPCI's header handlers test what Xen mapped, not the hardware's COMMAND", true, true, true, XenConfig.Switch.VPCI_TESTS_MAPPED),
    MSIX_ADJACENT("msix-adjacent", Layer.XEN, "Xen b177892d2d, 7a502b4fbc (4.18)",
            "vPCI forwards dom0's accesses to registers on the MSI-X table's and PBA's pages to the device", true, true, true,
            XenConfig.Switch.MSIX_ADJACENT),
    MSIX_HOLE_ENABLED_BARS("msix-hole-enabled-bars", Layer.XEN, "Xen 7c24d58a6e \"vpci/msix: check for BARs enabled in vpci_make_msix_hole\" (4.21)",
            "vPCI punches the MSI-X holes only for a table or PBA whose BAR is mapped, so a device added unconfigured keeps its MSI-X",
            // inBroken: the failure came with ee2eb6849d (4.21 development: init_msix punching the hole), which vdm
            // models for every release; Xen 4.19 never punched it at init, so it behaved as with the check.
            true, true, true, XenConfig.Switch.MSIX_HOLE_ENABLED_BARS),
    MSIX_BIR_CHECK("msix-bir-check", Layer.XEN, "Xen 53859596c0 \"vpci/msix: improve handling of bogus MSI-X capabilities\" (4.21)",
            "vPCI masks an MSI-X capability whose table or PBA is not inside a memory BAR, instead of punching a hole at address 0",
            true, false, true, XenConfig.Switch.MSIX_BIR_CHECK),
    MSIX_INITIAL_STATE("msix-initial-state", Layer.XEN, "Xen 913751d7af \"x86/msi: clear initial MSI-X state on boot\" (4.18)",
            "Xen clears an MSI-X function's MASKALL and ENABLE left set by firmware when it learns of the device at boot", true, true, true,
            XenConfig.Switch.MSIX_RESET_INITIAL_STATE),
    VPCI_BAR_SANITIZE("vpci-bar-sanitize", Layer.XEN, "Xen 4acab25a93 \"x86/vpci: fix handling of BAR overlaps with non-hole regions\" "
            + "(4.21; with 7ab4b392b7's off-by-one fix)",
            "vPCI maps a BAR over the memory map without the overlapped frames and counts it mapped, so its MSI-X traps work",
            false, false, true, XenConfig.Switch.VPCI_BAR_SANITIZE),
    PCI_KEEP_DECODING("pci-keep-decoding", Layer.XEN, "Xen 53d9133638 \"pci: do not disable memory decoding for devices\" "
            + "(4.17), undoing 75cc460a1b \"xen/pci: detect when BARs are not suitably positioned\"",
            "Xen leaves a device's memory decoding on at boot when a BAR overlaps the memory map", true, true, true,
            XenConfig.Switch.PCI_KEEP_DECODING),
    DM_MSIX_ALL_WRITES("dm-msix-all-writes", Layer.XEN, "Xen 64b21662b1 (4.19)",
            "msixtbl forwards every guest write of an MSI-X Vector Control to the device model", true, true, true,
            XenConfig.Switch.DM_MSIX_ALL_WRITES);

    /** The layer that reads the switch. */
    public enum Layer { XEN, DOM0, TOOLSTACK, GUEST_FIRMWARE }

    private final String label;
    private final Layer layer;
    private final String source;
    private final String summary;
    private final boolean absent, inBroken, inUpstream;
    private final List<XenConfig.Switch> xen;

    Fix(String label, Layer layer, String source, String summary, boolean absent, boolean inBroken, boolean inUpstream,
        XenConfig.Switch... xen) {
        this.label = label;
        this.layer = layer;
        this.source = source;
        this.summary = summary;
        this.absent = absent;
        this.inBroken = inBroken;
        this.inUpstream = inUpstream;
        this.xen = List.of(xen);
    }

    /** The name on the command line and in documents: "reset-notification". */
    public String label() { return label; }
    public Layer layer() { return layer; }
    /** The upstream commit, advisory or thread the switch models. */
    public String source() { return source; }
    /** What the switch does when on, in one line. */
    public String summary() { return summary; }
    /** The value a snapshot written before this switch existed means: how vdm behaved until then. */
    public boolean absent() { return absent; }
    /** Xen 4.19, Linux 6.6 and QEMU 8 as released have it ({@link Preset#BROKEN}). */
    public boolean inBroken() { return inBroken; }
    /** Today's upstream has it ({@link Preset#UPSTREAM}); a switch that models a proposal upstream has not taken is off there. */
    public boolean inUpstream() { return inUpstream; }
    /** One of the four fixes of the series that started vdm (A to D), whose settings have accessors of their own in {@link Fixes}. */
    public boolean series() {
        // by name, not by ordinal: later switches are added between the series' constants (each helper has its anchor)
        return this == RESET_NOTIFICATION || this == PVH_MAP_PIRQ || this == SETUP_GSI || this == GSI_LOOKUP;
    }
    /** Xen's switches this one turns on. */
    public List<XenConfig.Switch> xenSwitches() { return xen; }

    final long bit() {
        return 1L << ordinal();
    }

    /** The switch with this label; an unknown one is refused with the known labels. */
    public static Fix of(String label) {
        for (Fix f : values()) if (f.label.equalsIgnoreCase(label)) return f;
        throw new IllegalArgumentException("unknown fix '" + label + "'; known: "
                + String.join(", ", Arrays.stream(values()).map(Fix::label).toList()));
    }

    /** One line per switch: label, layer, source and summary, aligned (what {@code --list-fixes} prints). */
    public static String table() {
        int w = Arrays.stream(values()).mapToInt(f -> f.label.length()).max().orElse(10);
        StringBuilder sb = new StringBuilder();
        for (Fix f : values()) {
            sb.append(String.format("%-" + w + "s  %-14s  %s%n%" + w + "s  %-14s  %s%n", f.label,
                    f.layer.name().toLowerCase().replace('_', '-'), f.summary, "", "", f.source));
        }
        return sb.toString();
    }
}
