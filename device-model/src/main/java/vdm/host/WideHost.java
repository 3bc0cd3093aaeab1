package vdm.host;

import java.util.List;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;

/**
 * A second built-in host, unlike {@link DefaultHost} wherever the default one is simple: the host every integration
 * suite runs on besides the default one.
 * <pre>
 *   0000:00:00.0  host bridge (8086:0d57)                              no INTx pin
 *   0000:00:01.0  pcie-root-port, buses 01..01, IO 0xe000..0xefff, memory 0xfc000000..0xfdffffff,
 *                 prefetchable 0x8000000000..0x801fffffff (64-bit, above 4 GiB)             INTA -> GSI 17
 *     01:00.0     gpu: 64-bit prefetchable BARs in the window above 4 GiB, an IO BAR        INTA -> GSI 28
 *     01:00.1     e1000e: a second function behind the same root port          INTA -> GSI 28 (shared with .0)
 *   0000:00:02.0  e1000e                                                                     INTA -> GSI 16
 *   0000:00:03.0  virtio-net-pci: BAR0 is an IO BAR; its 64-bit BAR4 on the root bus          INTA -> GSI 16 (shared)
 *   0000:00:1c.0  pcie-root-port, buses 02..02, memory window 0xfe000000..0xfe0fffff (no IO, no prefetchable)
 *                                                                                            INTA -> GSI 18
 *     02:00.0     nvme                                                     INTA -> LNKA (GSI 20..23, now 23)
 *   0001:00:02.0  e1000 on a second PCI segment (IO BAR1)                                    INTA -> GSI 40
 * </pre>
 * IO-APIC 0 (ID 0) at 0xfec00000 serves GSI 0..23, IO-APIC 1 (ID 8) at 0xfec10000 GSI 24..47; overrides IRQ0 -> GSI 2
 * and IRQ9 -> GSI 9 level, active low; the SCI is GSI 9. LNKB (GSI 5, 10, 11, edge, active high) is disabled.
 * The same host is {@code docs/examples/wide-host.json}.
 */
public final class WideHost {
    public static final Sbdf HOST_BRIDGE = Sbdf.parse("0000:00:00.0");
    public static final Sbdf ROOT_PORT = Sbdf.parse("0000:00:01.0");
    public static final Sbdf GPU = Sbdf.parse("0000:01:00.0");
    public static final Sbdf SECOND_FUNCTION = Sbdf.parse("0000:01:00.1");
    public static final Sbdf NIC = Sbdf.parse("0000:00:02.0");
    public static final Sbdf VIRTIO_NET = Sbdf.parse("0000:00:03.0");
    public static final Sbdf NVME_PORT = Sbdf.parse("0000:00:1c.0");
    public static final Sbdf NVME = Sbdf.parse("0000:02:00.0");
    public static final Sbdf SEGMENT1_NIC = Sbdf.parse("0001:00:02.0");

    private WideHost() {}

    /** The description (validated). */
    public static HostDescription description() {
        return Described.DESCRIPTION;
    }

    private static final class Described {
        static final HostDescription DESCRIPTION = builder().describe();
    }

    /** The wide host with its firmware run ({@link Host#enumerate()}). */
    public static Host build() {
        return builder().build().enumerate();
    }

    static HostBuilder builder() {
        LayoutSpec hostBridge = LayoutSpec.endpoint("host-bridge", 0x8086, 0x0d57, 0x060000);
        return Host.builder()
                .rootBridge(0)
                .rootBridge(1, 0)
                .ioApic(0, 0xfec0_0000L, 0, 24)
                .ioApic(8, 0xfec1_0000L, 24, 24)
                .override(0, 2)
                .override(9, 9, TriggerMode.LEVEL, Polarity.ACTIVE_LOW)
                .sci(9)
                .device(HOST_BRIDGE.toString(), hostBridge)
                .bridge(BridgeDescriptor.of(ROOT_PORT, new FunctionSource.Catalog("pcie-root-port"), 1, 1)
                        .withWindows(new Window(0xe000, 0xefff), new Window(0xfc00_0000L, 0xfdff_ffffL),
                                new Window(0x80_0000_0000L, 0x80_1fff_ffffL)))
                .device(GPU.toString(), "gpu")
                .device(SECOND_FUNCTION.toString(), "e1000e")
                .device(NIC.toString(), "e1000e")
                .device(VIRTIO_NET.toString(), "virtio-net-pci")
                .bridge(BridgeDescriptor.of(NVME_PORT, new FunctionSource.Catalog("pcie-root-port"), 2, 2)
                        .withWindows(null, new Window(0xfe00_0000L, 0xfe0f_ffffL), null))
                .device(NVME.toString(), "nvme")
                .device(SEGMENT1_NIC.toString(), "e1000")
                .prt(0, 1, IntxPin.A, 17)
                .prt(0, 2, IntxPin.A, 16)
                .prt(0, 3, IntxPin.A, 16)
                .prt(0, 0x1c, IntxPin.A, 18)
                .prt(1, 0, IntxPin.A, 28)
                .prtLink(2, 0, IntxPin.A, "LNKA")
                .prt(1, 0, 2, IntxPin.A, 40)
                .link("LNKA", List.of(20, 21, 22, 23), 23)
                .link("LNKB", List.of(5, 10, 11), 0, TriggerMode.EDGE, Polarity.ACTIVE_HIGH);
    }
}
