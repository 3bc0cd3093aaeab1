package vdm.bench.system;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import vdm.Vdm;
import vdm.model.Preset;
import vdm.pci.Sbdf;

/**
 * The assembled model's live heap per device and per domain: models of N endpoints ({@link ManyDevicesHost}) and of
 * N guests each holding one, measured as the heap used after a full GC with the model reachable, minus the same for
 * a model of one device; a JVM of its own per run ({@code scripts/bench-suite.sh} starts it).
 * <pre>java -cp benchmarks/target/benchmarks.jar vdm.bench.system.HeapPerDevice</pre>
 */
public final class HeapPerDevice {
    private HeapPerDevice() {}

    private static long liveHeap() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, m.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    private static Vdm model(int devices, int guests) {
        Vdm vdm = Vdm.host(ManyDevicesHost.of(devices, guests)).preset(Preset.UPSTREAM).tracing(false).invariants(false)
                .withoutDom0Driver(ManyDevicesHost.guestDevices(devices, guests)).build();
        for (int g = 0; g < guests; g++) {
            Sbdf s = ManyDevicesHost.sbdf(devices + g);
            if (vdm.libxl().pciAssignableAdd(s) != 0) throw new IllegalStateException(s + ": assignable-add failed");
            if (!vdm.libxl().pciAttach(vdm.libxl().domainCreate(1), s, 5).ok()) throw new IllegalStateException(s + ": attach failed");
        }
        return vdm;
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000, g = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Vdm warm = model(10, 1); // loads and initialises the classes a model uses
        long base0 = liveHeap();
        Vdm one = model(1, 0);
        long one0 = liveHeap() - base0;
        Vdm many = model(n, 0);
        long devicesBytes = liveHeap() - base0 - one0;
        many = null;
        long base1 = liveHeap();
        Vdm withGuests = model(g, g);
        long guestsBytes = liveHeap() - base1;
        System.out.printf("heap per device: %.0f B (%,d endpoints of %d layouts: %,d B above a 1-device model of %,d B)%n",
                (double) devicesBytes / (n - 1), n, ManyDevicesHost.LAYOUTS.size(), devicesBytes, one0);
        System.out.printf("heap per guest with its device: %.0f B (%,d guests, each holding one endpoint: %,d B, less %d devices' heap)%n",
                ((double) guestsBytes - (double) devicesBytes / (n - 1) * (2 * g)) / g, g, guestsBytes, 2 * g);
        if (warm.kernel() == null || one.kernel() == null || withGuests.kernel() == null) throw new AssertionError();
    }
}
