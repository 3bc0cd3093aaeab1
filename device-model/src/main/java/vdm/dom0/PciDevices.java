package vdm.dom0;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;

/**
 * The functions dom0's kernel enumerated, one {@link PciDev} each, found by SBDF as pci_get_domain_bus_and_slot
 * (drivers/pci/search.c) finds them. The set is fixed at boot: vdm models no hotplug.
 */
final class PciDevices {
    private final Map<Sbdf, PciDev> devices = new HashMap<>();

    PciDevices(Host host) {
        for (PhysicalFunction f : host.functions()) devices.put(f.sbdf(), new PciDev(f.sbdf()));
    }

    boolean exists(Sbdf sbdf) {
        return devices.containsKey(sbdf);
    }

    /** The device at {@code sbdf}; a function the host lacks is a caller's error, named. */
    PciDev get(Sbdf sbdf) {
        PciDev d = devices.get(sbdf);
        if (d == null) throw new IllegalArgumentException("no PCI device " + sbdf + " in dom0");
        return d;
    }

    /** Every device by SBDF, read-only (a state capture walks it). */
    Map<Sbdf, PciDev> all() {
        return Collections.unmodifiableMap(devices);
    }
}
