package vdm.model;

import java.util.Arrays;

/** Named combinations of the fixes, as releases shipped them. */
public enum Preset {
    /** Xen 4.19, Linux 6.6, QEMU 8: none of the fixes. */
    BROKEN("broken", Fixes.release(false, false, false, false, Fixes.GsiLookup.NONE)),
    /** The seed's design (v4 of the series): state-reset hypercall, setup_gsi in pciback, sysfs gsi. */
    SERIES_V4("series-v4", Fixes.release(false, true, true, true, Fixes.GsiLookup.SYSFS_GSI)),
    /**
     * Xen 4.20+, Linux 6.12+, QEMU 10: pci_device_reset, gsi_permission, the privcmd GSI lookup, and every later
     * upstream fix vdm has a switch for; a switch that models a proposal upstream has not taken stays off.
     */
    UPSTREAM("upstream", Fixes.release(true, true, true, true, Fixes.GsiLookup.PRIVCMD));

    private final String label;
    private final Fixes fixes;

    Preset(String label, Fixes fixes) {
        this.label = label;
        this.fixes = fixes;
    }

    public String label() { return label; }
    public Fixes fixes() { return fixes; }

    /** "broken", "series-v4" or "upstream"; an unknown name lists the known ones. */
    public static Preset of(String name) {
        for (Preset p : values()) if (p.label.equalsIgnoreCase(name)) return p;
        throw new IllegalArgumentException("unknown preset '" + name + "'; known: "
                + String.join(", ", Arrays.stream(values()).map(Preset::label).toList()));
    }
}
