package vdm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import vdm.xen.XenConfig;

class FixesTest {
    @Test
    void aSettingFromTheCommandLineTurnsOneSwitchAndLeavesTheRest() {
        Fixes up = Preset.UPSTREAM.fixes();
        Fixes f = up.with("reset-notification=off");
        assertFalse(f.resetNotification());
        assertEquals(up.switches().size() - 1, f.switches().size());
        assertEquals(up, f.with("reset-notification=on"));
    }

    @Test
    void gsiLookupTakesItsThreeValuesAndOnOrOff() {
        Fixes up = Preset.UPSTREAM.fixes();
        assertEquals(Fixes.GsiLookup.SYSFS_GSI, up.with("gsi-lookup=sysfs-gsi").gsiLookup());
        assertEquals(Fixes.GsiLookup.NONE, up.with("gsi-lookup=off").gsiLookup());
        assertFalse(up.with("gsi-lookup=none").on(Fix.GSI_LOOKUP));
        assertEquals(Fixes.GsiLookup.PRIVCMD, up.with("gsi-lookup=none").with("gsi-lookup=on").gsiLookup());
    }

    @Test
    void aBadSettingIsRefusedNamingWhatIsWrong() {
        Fixes up = Preset.UPSTREAM.fixes();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> up.with("no-such=on")).getMessage().contains("unknown fix 'no-such'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> up.with("setup-gsi=maybe")).getMessage()
                .contains("fix 'setup-gsi' takes on or off, not 'maybe'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> up.with("setup-gsi")).getMessage().contains("NAME=on|off"));
    }

    @Test
    void xensConfigIsTheXenSwitchesOfTheFixesThatAreOn() {
        assertEquals(XenConfig.XEN_4_19, Preset.BROKEN.fixes().xenConfig());
        XenConfig up = Preset.UPSTREAM.fixes().xenConfig();
        for (Fix f : Fix.values()) {
            if (!f.inUpstream()) continue;
            for (XenConfig.Switch s : f.xenSwitches()) assertTrue(up.on(s), f + " turns " + s + " on upstream");
        }
        XenConfig noC = Preset.UPSTREAM.fixes().withSetupGsi(false).xenConfig();
        assertFalse(noC.pvhSetupGsi() || noC.gsiPermission());
    }

    @Test
    void thePresetsAreTheReleasesFlags() {
        for (Fix f : Fix.values()) {
            if (f.series()) continue;
            assertEquals(f.inBroken(), Preset.BROKEN.fixes().on(f), f.label());
            assertEquals(f.inUpstream(), Preset.UPSTREAM.fixes().on(f), f.label());
        }
        assertEquals(EnumSet.noneOf(Fix.class), EnumSet.copyOf(Preset.BROKEN.fixes().switches()).stream()
                .filter(Fix::series).collect(() -> EnumSet.noneOf(Fix.class), EnumSet::add, EnumSet::addAll));
    }

    @Test
    void everySwitchHasALabelASourceAndASummary() {
        for (Fix f : Fix.values()) {
            assertEquals(f, Fix.of(f.label()));
            assertFalse(f.source().isBlank() || f.summary().isBlank(), f.label());
        }
        assertEquals(2 * Fix.values().length, Fix.table().lines().count());
    }

    @Test
    void theSeriesAreItsFourFixesWhereverLaterSwitchesStandInTheEnum() {
        // later switches are added after SETUP_GSI (each helper's anchor), so series() goes by name, not by ordinal
        assertEquals(EnumSet.of(Fix.RESET_NOTIFICATION, Fix.PVH_MAP_PIRQ, Fix.SETUP_GSI, Fix.GSI_LOOKUP),
                EnumSet.copyOf(java.util.Arrays.stream(Fix.values()).filter(Fix::series).toList()));
        assertTrue(Preset.UPSTREAM.fixes().on(Fix.LIBXL_RESOURCE_64), "a later switch upstream has is on in the preset");
        assertFalse(Preset.BROKEN.fixes().on(Fix.LIBXL_RESOURCE_64), "and off where the release lacked it");
    }
}
