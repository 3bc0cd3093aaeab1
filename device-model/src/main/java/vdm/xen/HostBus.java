package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;

/** Xen's view of a {@link Host}'s PCI functions: each physical function as the hardware behind vPCI. */
final class HostBus implements PciBus {
    /** By segment, then bus << 8 | devfn: built once, so the trapped-access path finds any function allocating nothing. */
    private final PciHardware[][] segments;
    private final List<Sbdf> present = new ArrayList<>();
    private final Host host;

    HostBus(Host host) {
        this.host = host;
        int top = 0;
        for (PhysicalFunction f : host.functions()) top = Math.max(top, f.sbdf().segment());
        segments = new PciHardware[top + 1][];
        for (PhysicalFunction f : host.functions()) {
            present.add(f.sbdf());
            int s = f.sbdf().segment();
            if (segments[s] == null) segments[s] = new PciHardware[1 << 16];
            segments[s][f.packed() & 0xffff] = adapter(f);
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
    public long mmioRead(long address, int size) {
        return host.mmioRead(address, size);
    }

    @Override
    public void mmioWrite(long address, int size, long value) {
        host.mmioWrite(address, size, value);
    }

    @Override
    public PciHardware function(int packedSbdf) {
        int s = packedSbdf >>> 16;
        PciHardware[] seg = s < segments.length ? segments[s] : null;
        return seg == null ? null : seg[packedSbdf & 0xffff];
    }

    @Override
    public List<Sbdf> functions() {
        return present;
    }
}
