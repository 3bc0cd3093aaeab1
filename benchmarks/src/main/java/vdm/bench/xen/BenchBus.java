package vdm.bench.xen;

import java.util.ArrayList;
import java.util.List;
import vdm.pci.Sbdf;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;
import vdm.pci.layout.Layout;
import vdm.xen.PciBus;
import vdm.xen.PciHardware;

/** A segment-0 bus of compiled config spaces for benchmarks: any number of functions of one layout. */
final class BenchBus implements PciBus {
    private final PciHardware[] functions = new PciHardware[1 << 16];
    private final List<Sbdf> present = new ArrayList<>();

    /** {@code count} functions of {@code layout}: bus i/256, device (i/8)%32, function i%8 (00:00.0 first). */
    BenchBus(Layout layout, int count) {
        for (int i = 0; i < count; i++) {
            Sbdf s = new Sbdf(0, i / 256, (i / 8) % 32, i % 8);
            ConfigSpace cs = Engine.COMPILED.create(layout);
            functions[s.packed()] = PciHardware.of(cs);
            present.add(s);
        }
    }

    @Override
    public PciHardware function(int packedSbdf) {
        return (packedSbdf >>> 16) == 0 ? functions[packedSbdf] : null;
    }

    @Override
    public List<Sbdf> functions() {
        return present;
    }
}
