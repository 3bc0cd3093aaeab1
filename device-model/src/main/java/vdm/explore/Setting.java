package vdm.explore;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.pci.Sbdf;
import vdm.scenario.DeviceChoice;

/**
 * What a search over several devices and guests explores: the devices (the first is the one the unparametrised
 * operations act on), the number of guests, 1 to {@link Op#MAX_GUESTS}, and whether interchangeable guests are pruned
 * ({@link Run#offered}; off only to show that the pruning loses nothing).
 */
public record Setting(List<Sbdf> devices, int guests, boolean guestSymmetry) {
    public Setting(List<Sbdf> devices, int guests) {
        this(devices, guests, true);
    }

    /** The search of old: one device, one guest. */
    public static Setting of(Sbdf device) {
        return new Setting(List.of(device), 1);
    }

    /** The same setting, every guest offered to every guest-naming operation. */
    public Setting withoutGuestSymmetry() {
        return new Setting(devices, guests, false);
    }

    public Setting {
        java.util.Objects.requireNonNull(devices, "devices");
        devices = List.copyOf(devices);
        if (devices.isEmpty()) throw new IllegalArgumentException("--devices names no device");
        if (devices.size() > Frontier.MAX_DEVICES) {
            throw new IllegalArgumentException("--devices names " + devices.size() + " devices; a search holds at most " + Frontier.MAX_DEVICES
                    + " (its nodes name the device owing a restore in 7 bits)");
        }
        if (new LinkedHashSet<>(devices).size() != devices.size()) throw new IllegalArgumentException("--devices names a device twice: " + devices);
        if (guests < 1 || guests > Op.MAX_GUESTS) throw new IllegalArgumentException("--guests must be 1.." + Op.MAX_GUESTS + ", not " + guests);
    }

    /**
     * The setting {@code --devices LIST|all --guests N} names on a host: "all" is every assignable endpoint in SBDF
     * order ({@link DeviceChoice#allAssignable}); a list is SBDFs separated by commas, each a function of the host.
     */
    public static Setting of(HostDescription description, String devices, int guests) {
        Host host = Host.create(description);
        List<Sbdf> out = new ArrayList<>();
        if (devices.trim().equals("all")) out.addAll(DeviceChoice.allAssignable(host));
        else for (String s : devices.split(",")) {
            Sbdf d;
            try {
                d = Sbdf.parse(s.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--devices: " + e.getMessage());
            }
            if (host.function(d).isEmpty()) throw new IllegalArgumentException("--devices: the host has no function " + d);
            out.add(d);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--devices all: the host has no assignable endpoint");
        return new Setting(out, guests);
    }

    /** The setting's operations of these kinds ({@link Op#forSetting}). */
    public List<Op> ops(List<OpKind> kinds) {
        return Op.forSetting(kinds, devices, guests);
    }
}
