package vdm.bench.system;

import java.util.List;
import vdm.host.Host;
import vdm.host.HostBuilder;
import vdm.host.HostDescription;
import vdm.host.IntxPin;
import vdm.pci.Sbdf;

/**
 * A host of many endpoints of mixed layouts for the scale benchmarks: root buses with 32 single-function devices
 * each (device 0 of segment 0's bus 0 is left out, as a host bridge's place), 256 buses a segment and then the next
 * segment, the layouts in turn from {@link #LAYOUTS}. The first {@code shared} endpoints (dom0's) share GSIs 16-23
 * eight ways, as a real host's PCI lines do; each of the last {@code own} (one for each guest) has a GSI of its own
 * (Xen binds a passed-through line to one domain), on as many IO-APICs as that takes (at most 3,624 guests).
 */
final class ManyDevicesHost {
    /** Catalog layouts of different register maps and capability chains, used in turn. */
    static final List<String> LAYOUTS = List.of("e1000e", "virtio-net-pci", "nvme", "e1000", "ax210", "ahci-msi8");

    private ManyDevicesHost() {}

    static HostDescription of(int shared, int own) {
        int count = shared + own;
        // IO-APIC 0 has the legacy 24 pins; the guests' GSIs from 24 up are on IO-APICs of 240 pins (the most an
        // IO-APIC's Maximum Redirection Entry field allows vdm), so 1,000 guests need five of the sixteen ids
        HostBuilder b = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24);
        for (int a = 1; 240 * (a - 1) < own; a++) b.ioApic(a, 0xfec0_0000L + 0x1000L * a, 24 + 240 * (a - 1), 240);
        int buses = (count + 1 + 31) / 32;
        for (int n = 0; n < buses; n++) b.rootBridge(n / 256, n % 256);
        for (int i = 0; i < count; i++) {
            Sbdf s = sbdf(i);
            b.device(s.toString(), LAYOUTS.get(i % LAYOUTS.size()));
            b.prt(s.segment(), s.bus(), s.device(), IntxPin.A, i < shared ? 16 + i % 8 : 24 + (i - shared));
        }
        return b.describe();
    }

    /**
     * The endpoints meant for guests (the last {@code own}): dom0 binds no driver to them, as a host hides devices it
     * passes through from dom0 at boot (xen-pciback.hide), so dom0 registers no line and spends no vector on them.
     */
    static java.util.Set<Sbdf> guestDevices(int shared, int own) {
        java.util.Set<Sbdf> out = new java.util.HashSet<>();
        for (int g = 0; g < own; g++) out.add(sbdf(shared + g));
        return out;
    }

    /** The i-th endpoint's address (0000:00:01.0 first). */
    static Sbdf sbdf(int i) {
        int n = i + 1, bus = n / 32;
        return new Sbdf(bus / 256, bus % 256, n % 32, 0);
    }
}
