package vdm.host;

import vdm.pci.Sbdf;

/**
 * A PCI-to-PCI bridge (type 1 header) placed at an SBDF, with the bus numbers and windows the firmware gives it
 * ({@link Host#enumerate()} programs them; until then the bridge forwards nothing). A null window is closed.
 */
public record BridgeDescriptor(Sbdf sbdf, FunctionSource source, int secondaryBus, int subordinateBus, Window io,
                               Window memory, Window prefetchable) {
    public BridgeDescriptor {
        if (sbdf == null) throw new HostDescriptionException("bridge", "SBDF is missing");
        if (source == null) throw new HostDescriptionException("bridge " + sbdf, "what it is (catalog name or layout) is missing");
    }

    public static BridgeDescriptor of(Sbdf sbdf, FunctionSource source, int secondaryBus, int subordinateBus) {
        return new BridgeDescriptor(sbdf, source, secondaryBus, subordinateBus, null, null, null);
    }

    public BridgeDescriptor withWindows(Window io, Window memory, Window prefetchable) {
        return new BridgeDescriptor(sbdf, source, secondaryBus, subordinateBus, io, memory, prefetchable);
    }

    public boolean covers(int bus) {
        return bus >= secondaryBus && bus <= subordinateBus;
    }

    @Override
    public String toString() {
        return String.format("bridge %s (%s, buses %02x..%02x)", sbdf, source.label(), secondaryBus, subordinateBus);
    }
}
