package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;

/** Xen's view of a {@link Host}'s PCI functions: each physical function as the hardware behind vPCI. */
final class HostBus implements PciBus {
    private final PciHardware[] segment0 = new PciHardware[1 << 16];
    private final Host host;
    private final List<Sbdf> present = new ArrayList<>();

    HostBus(Host host) {
        this.host = host;
        for (PhysicalFunction f : host.functions()) {
            present.add(f.sbdf());
            if (f.sbdf().segment() == 0) segment0[f.packed()] = adapter(f);
        }
    }

    private static PciHardware adapter(PhysicalFunction f) {
        return new PciHardware() {
            @Override
            public int read(int offset, int size) {
                return f.read(offset, size);
            }

            @Override
            public int write(int offset, int size, int value) {
                return f.write(offset, size, value);
            }
        };
    }

    @Override
    public PciHardware function(int packedSbdf) {
        if ((packedSbdf >>> 16) == 0) return segment0[packedSbdf];
        PhysicalFunction f = host.lookup(packedSbdf);
        return f == null ? null : adapter(f);
    }

    @Override
    public List<Sbdf> functions() {
        return present;
    }
}
