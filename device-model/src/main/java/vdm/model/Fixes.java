package vdm.model;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import vdm.xen.XenConfig;

/**
 * A model's setting of every {@link Fix} (docs/architecture.md, "Fixes and presets"), a value. The four of the series
 * that started vdm keep their accessors: (A) tell Xen a device was reset, (B) let a PVH dom0 call map_pirq, (C) set
 * the GSI up during assignment (and grant it with gsi_permission), (D) how the toolstack finds a device's GSI, which
 * takes one of three values; every other switch is on or off.
 */
public final class Fixes {
    /** Fix D: where the toolstack takes the interrupt number it maps. */
    public enum GsiLookup {
        /** sysfs {@code irq}: a Linux IRQ number, taken for a GSI (failure 4 when they differ). */
        NONE,
        /** sysfs {@code gsi}, the attribute v4 of the series added (refused upstream). */
        SYSFS_GSI,
        /** {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}, the upstream answer. */
        PRIVCMD
    }

    private final long bits;
    private final GsiLookup gsiLookup;

    private Fixes(long bits, GsiLookup gsiLookup) {
        if (gsiLookup == null) throw new IllegalArgumentException("GSI lookup (fix D) is missing");
        // GSI_LOOKUP's bit mirrors gsiLookup, so that on(GSI_LOOKUP) and the set of switches agree
        this.bits = gsiLookup == GsiLookup.NONE ? bits & ~Fix.GSI_LOOKUP.bit() : bits | Fix.GSI_LOOKUP.bit();
        this.gsiLookup = gsiLookup;
    }

    /**
     * The four fixes of the series as given, every other switch as vdm behaved before it had the switch
     * ({@link Fix#absent()}: Xen 4.19's vPCI and MSI-X behaviour).
     */
    public Fixes(boolean resetNotification, boolean pvhMapPirq, boolean setupGsi, GsiLookup gsiLookup) {
        this(legacy().with(Fix.RESET_NOTIFICATION, resetNotification).with(Fix.PVH_MAP_PIRQ, pvhMapPirq)
                .with(Fix.SETUP_GSI, setupGsi).bits, gsiLookup);
    }

    /** Every switch at its {@link Fix#absent()} value, the GSI looked up through sysfs {@code irq}. */
    public static Fixes legacy() {
        long b = 0;
        for (Fix f : Fix.values()) if (f.absent()) b |= f.bit();
        return new Fixes(b, GsiLookup.NONE);
    }

    /** The switches a release had: {@link Fix#inBroken()} or {@link Fix#inUpstream()}, the series' four given. */
    static Fixes release(boolean upstream, boolean a, boolean b, boolean c, GsiLookup d) {
        long bits = 0;
        for (Fix f : Fix.values()) if (!f.series() && (upstream ? f.inUpstream() : f.inBroken())) bits |= f.bit();
        return new Fixes(bits, d).with(Fix.RESET_NOTIFICATION, a).with(Fix.PVH_MAP_PIRQ, b).with(Fix.SETUP_GSI, c);
    }

    /** Exactly these switches on ({@link Fix#GSI_LOOKUP} in the set means the privcmd lookup). */
    public static Fixes of(Set<Fix> on) {
        long b = 0;
        for (Fix f : on) b |= f.bit();
        return new Fixes(b, on.contains(Fix.GSI_LOOKUP) ? GsiLookup.PRIVCMD : GsiLookup.NONE);
    }

    public boolean on(Fix f) {
        return (bits & f.bit()) != 0;
    }

    /** The switch set on or off; for {@link Fix#GSI_LOOKUP}, on is the privcmd lookup and off sysfs {@code irq}. */
    public Fixes with(Fix f, boolean on) {
        if (f == Fix.GSI_LOOKUP) return withGsiLookup(on ? GsiLookup.PRIVCMD : GsiLookup.NONE);
        return new Fixes(on ? bits | f.bit() : bits & ~f.bit(), gsiLookup);
    }

    /**
     * The setting {@code --fix} gives: {@code NAME=on} or {@code NAME=off}, and for gsi-lookup also
     * {@code none}, {@code sysfs-gsi} or {@code privcmd}. A bad one is refused naming the switch and what it takes.
     */
    public Fixes with(String setting) {
        int eq = setting.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--fix takes NAME=on|off, not '" + setting + "'");
        Fix f = Fix.of(setting.substring(0, eq).trim());
        String v = setting.substring(eq + 1).trim().toLowerCase();
        if (f == Fix.GSI_LOOKUP) {
            for (GsiLookup g : GsiLookup.values()) if (label(g).equals(v)) return withGsiLookup(g);
        }
        return switch (v) {
            case "on" -> with(f, true);
            case "off" -> with(f, false);
            default -> throw new IllegalArgumentException("fix '" + f.label() + "' takes on or off"
                    + (f == Fix.GSI_LOOKUP ? ", none, sysfs-gsi or privcmd" : "") + ", not '" + v + "'");
        };
    }

    /** The switches that are on. */
    public Set<Fix> switches() {
        EnumSet<Fix> out = EnumSet.noneOf(Fix.class);
        for (Fix f : Fix.values()) if (on(f)) out.add(f);
        return out;
    }

    public boolean resetNotification() { return on(Fix.RESET_NOTIFICATION); }
    public boolean pvhMapPirq() { return on(Fix.PVH_MAP_PIRQ); }
    public boolean setupGsi() { return on(Fix.SETUP_GSI); }
    public GsiLookup gsiLookup() { return gsiLookup; }

    public Fixes withResetNotification(boolean v) { return with(Fix.RESET_NOTIFICATION, v); }
    public Fixes withPvhMapPirq(boolean v) { return with(Fix.PVH_MAP_PIRQ, v); }
    public Fixes withSetupGsi(boolean v) { return with(Fix.SETUP_GSI, v); }
    public Fixes withGsiLookup(GsiLookup v) { return new Fixes(bits, v); }

    /** What the hypervisor does under these fixes: every Xen switch a fix that is on names. */
    public XenConfig xenConfig() {
        XenConfig c = XenConfig.NONE;
        for (Fix f : Fix.values()) {
            if (!on(f)) continue;
            for (XenConfig.Switch s : f.xenSwitches()) c = c.with(s, true);
        }
        return c;
    }

    public static String label(GsiLookup g) {
        return g.name().toLowerCase().replace('_', '-');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fixes f && f.bits == bits && f.gsiLookup == gsiLookup;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits) * 31 + gsiLookup.hashCode();
    }

    /** "A reset-notification=on B pvh-map-pirq=off C setup-gsi=on D gsi-lookup=privcmd", then any other switch that is off. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("A reset-notification=%s B pvh-map-pirq=%s C setup-gsi=%s D gsi-lookup=%s",
                onOff(resetNotification()), onOff(pvhMapPirq()), onOff(setupGsi()), label(gsiLookup)));
        List<String> off = new ArrayList<>();
        for (Fix f : Fix.values()) {
            if (f.series() || on(f)) continue;
            off.add(f.label() + "=off");
        }
        if (!off.isEmpty()) sb.append(' ').append(String.join(" ", off));
        return sb.toString();
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }
}
