package vdm.scenario;

import java.util.Comparator;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;

/**
 * The device a command runs on, and why it is that one: the one the user named, or else the host's first assignable
 * endpoint in SBDF order. An endpoint is assignable when it is a type 0 function (a type 1 header is a bridge, not
 * an endpoint), is not a host bridge (class 0x0600, the root complex itself), and has something to give the guest:
 * a BAR, an expansion ROM or an INTx pin.
 */
public record DeviceChoice(Sbdf device, String name, boolean named, String reason) {
    /** Class code 0x06 subclass 0x00 (PCI Code and ID Assignment spec, 1.4): a host bridge. */
    private static final int CLASS_HOST_BRIDGE = 0x0600;

    /** The device the user named: no reason beyond that. */
    public static DeviceChoice named(Host host, Sbdf device) {
        PhysicalFunction f = host.require(device);
        return new DeviceChoice(device, f.source().label(), true, "named on the command");
    }

    /** The host's first assignable endpoint; IllegalArgumentException (naming what was looked for) if it has none. */
    public static DeviceChoice firstAssignable(Host host) {
        return host.functions().stream()
                .sorted(Comparator.comparing(PhysicalFunction::sbdf))
                .filter(DeviceChoice::assignable)
                .findFirst()
                .map(f -> new DeviceChoice(f.sbdf(), f.source().label(), false,
                        "the host's first assignable endpoint in SBDF order (a type 0 function, not a host bridge, with a BAR, a ROM or an INTx pin)"))
                .orElseThrow(() -> new IllegalArgumentException("the host has no assignable endpoint: no type 0 function other than a host "
                        + "bridge (class 0x0600) has a BAR, a ROM or an INTx pin; name one with its SBDF"));
    }

    /** Every assignable endpoint of the host, in SBDF order (what {@code explore --devices all} explores). */
    public static java.util.List<Sbdf> allAssignable(Host host) {
        return host.functions().stream().filter(DeviceChoice::assignable).map(PhysicalFunction::sbdf).sorted().toList();
    }

    /** The same for a host description (the host is built, not booted: only its functions' layouts are read). */
    public static DeviceChoice firstAssignable(HostDescription description) {
        return firstAssignable(Host.create(description));
    }

    /** {@code requested} if given (it must exist on the host), else the first assignable endpoint. */
    public static DeviceChoice of(HostDescription description, Sbdf requested) {
        Host host = Host.create(description);
        return requested == null ? firstAssignable(host) : named(host, requested);
    }

    static boolean assignable(PhysicalFunction f) {
        if ((f.layout().headerType() & 0x7f) != 0) return false;
        // The class code's upper 16 bits (base class, sub-class) at 0x0a, read from the function's own space.
        if ((f.config().read(0x0a, 2) & 0xffff) == CLASS_HOST_BRIDGE) return false;
        for (int n = 0; n < f.layout().barCount(); n++) if (f.barImplemented(n)) return true;
        return f.romSize() > 0 || f.interruptPin() != 0;
    }

    /** "0000:00:02.0 (gpu), the host's first assignable endpoint ..." */
    public String describe() {
        return String.format("%s (%s), %s", device, name, reason);
    }
}
