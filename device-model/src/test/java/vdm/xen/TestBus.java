package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vdm.pci.Sbdf;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.Engine;

/** A bus of catalog devices on segment 0, for testing the hypervisor without a full host. */
final class TestBus implements PciBus {
    private final Map<Sbdf, ConfigSpace> spaces = new TreeMap<>();
    private final PciHardware[] bySbdf = new PciHardware[1 << 16];

    TestBus add(String sbdf, String device) {
        Sbdf s = Sbdf.parse(sbdf);
        ConfigSpace cs = Engine.COMPILED.create(DeviceCatalog.layout(device));
        spaces.put(s, cs);
        bySbdf[s.packed()] = PciHardware.of(cs);
        return this;
    }

    /** A function of a layout the test builds (a device whose capabilities no catalog device has). */
    TestBus add(String sbdf, vdm.pci.layout.Layout layout) {
        Sbdf s = Sbdf.parse(sbdf);
        ConfigSpace cs = Engine.COMPILED.create(layout);
        spaces.put(s, cs);
        bySbdf[s.packed()] = PciHardware.of(cs);
        return this;
    }

    ConfigSpace space(String sbdf) {
        return spaces.get(Sbdf.parse(sbdf));
    }

    @Override
    public PciHardware function(int packedSbdf) {
        return (packedSbdf >>> 16) == 0 ? bySbdf[packedSbdf] : null;
    }

    @Override
    public List<Sbdf> functions() {
        return new ArrayList<>(spaces.keySet());
    }
}
