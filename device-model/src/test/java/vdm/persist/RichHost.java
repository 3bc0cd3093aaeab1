package vdm.persist;

import java.util.List;
import vdm.host.BridgeDescriptor;
import vdm.host.FunctionSource;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.host.IntxPin;
import vdm.host.LayoutSpec;
import vdm.host.Window;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;

/**
 * A host with every member the writer writes only sometimes: a declared endpoint with revision, subsystem, INTB, an IO,
 * a prefetchable 32-bit and a 64-bit BAR and a ROM; a declared bridge with all three windows; a second PCI segment;
 * overrides with each flag; an edge, active-high link; no SCI.
 */
final class RichHost {
    private RichHost() {}

    static HostDescription description() {
        LayoutSpec endpoint = LayoutSpec.endpoint("rich", 0x1af4, 0x1041, 0x020000).withRevision(3).withSubsystem(0x1af4, 0x0001)
                .withInterruptPin(2).withBar(0, Bar.io(0x20)).withBar(1, new Bar(BarKind.MEM32, 0x1000, true))
                .withBar(2, new Bar(BarKind.MEM64, 0x100000, true)).withRom(0x40000);
        LayoutSpec bridge = LayoutSpec.bridge("plain-bridge", 0x8086, 0x244e);
        return Host.builder().rootBridge(0).rootBridge(1, 0)
                .ioApic(0, 0xfec0_0000L, 0, 24)
                .override(0, 2).override(9, 9, TriggerMode.EDGE, Polarity.ACTIVE_HIGH).override(10, 10, TriggerMode.LEVEL, Polarity.ACTIVE_LOW)
                .bridge(BridgeDescriptor.of(Sbdf.parse("0000:00:1e.0"), new FunctionSource.Declared(bridge), 2, 3)
                        .withWindows(new Window(0x1000, 0x1fff), new Window(0xfe00_0000L, 0xfe0f_ffffL), new Window(0xd000_0000L, 0xd00f_ffffL)))
                .device("0000:00:05.0", endpoint)
                .device("0001:00:03.0", "e1000")
                .prt(0, 5, IntxPin.B, 17)
                .prt(0, 0x1e, IntxPin.A, 18)
                .prtLink(1, 0, 3, IntxPin.A, "LNKC")
                .link("LNKC", List.of(5, 10, 11), 10, TriggerMode.EDGE, Polarity.ACTIVE_HIGH)
                .describe();
    }
}
