package vdm.host;

import java.util.List;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;

/**
 * The built-in host: a small server whose interrupt routing is realistic enough to show the passthrough failures.
 * <pre>
 *   00:00.0  host bridge (8086:29c0, class 060000)           no INTx pin
 *   00:02.0  gpu (catalog; 256 MiB 64-bit prefetchable BAR1)  INTA -> GSI 38
 *   00:03.0  e1000e                                          INTA -> GSI 28
 *   00:04.0  accelerator (8086:0b25, MSI-X only)             no INTx pin
 *   00:1c.0  pcie-root-port, buses 01..01, memory window 0xfe800000..0xfe8fffff   INTA -> GSI 16
 *   01:00.0  nvme                                            INTA -> root port _PRT -> LNKA (now GSI 21)
 * </pre>
 * IO-APIC 0 at 0xfec00000 serves GSI 0..23, IO-APIC 1 at 0xfec01000 GSI 24..55; overrides IRQ0 -> GSI 2 and IRQ9 ->
 * GSI 9 level, active low; the SCI is GSI 9. LNKA and LNKB offer GSI 20..23; LNKA is at 21, LNKB is disabled.
 * Devices come in the order 00:02.0 (GSI 38), 00:03.0 (GSI 28), 00:1c.0 (GSI 16), 01:00.0 (GSI 21): an OS that
 * numbers IRQs in GSI registration order gives them IRQs unlike their GSIs ("gsi 38 may come before gsi 28").
 * The same host is {@code docs/examples/default-host.json}.
 */
public final class DefaultHost {
    public static final Sbdf HOST_BRIDGE = Sbdf.parse("0000:00:00.0");
    public static final Sbdf GPU = Sbdf.parse("0000:00:02.0");
    public static final Sbdf NIC = Sbdf.parse("0000:00:03.0");
    public static final Sbdf ACCELERATOR = Sbdf.parse("0000:00:04.0");
    public static final Sbdf ROOT_PORT = Sbdf.parse("0000:00:1c.0");
    public static final Sbdf NVME = Sbdf.parse("0000:01:00.0");

    private DefaultHost() {}

    /** The description (validated). */
    public static HostDescription description() {
        return Described.DESCRIPTION;
    }

    /** Built once: a description is immutable, and every Vdm and explorer run starts from it. */
    private static final class Described {
        static final HostDescription DESCRIPTION = builder().describe();
    }

    /** The default host with its firmware run ({@link Host#enumerate()}): the root port routes bus 01. */
    public static Host build() {
        return build(InterruptSink.DISCARD);
    }

    public static Host build(InterruptSink sink) {
        return builder().interruptSink(sink).build().enumerate();
    }

    static HostBuilder builder() {
        LayoutSpec hostBridge = LayoutSpec.endpoint("host-bridge", 0x8086, 0x29c0, 0x060000);
        LayoutSpec accelerator = LayoutSpec.endpoint("accelerator", 0x8086, 0x0b25, 0x088000)
                .withSubsystem(0x8086, 0x0000)
                .withBar(0, Bar.mem64(64 * 1024))
                .withMsix(new LayoutSpec.MsixSpec(9, 0, 0x2000, 0, 0x3000));
        return Host.builder()
                .rootBridge(0)
                .ioApic(0, 0xfec0_0000L, 0, 24)
                .ioApic(1, 0xfec0_1000L, 24, 32)
                .override(0, 2)
                .override(9, 9, TriggerMode.LEVEL, Polarity.ACTIVE_LOW)
                .sci(9)
                .device(HOST_BRIDGE.toString(), hostBridge)
                .device(GPU.toString(), "gpu")
                .device(NIC.toString(), "e1000e")
                .device(ACCELERATOR.toString(), accelerator)
                .bridge(BridgeDescriptor.of(ROOT_PORT, new FunctionSource.Catalog("pcie-root-port"), 1, 1)
                        .withWindows(null, new Window(0xfe80_0000L, 0xfe8f_ffffL), null))
                .device(NVME.toString(), "nvme")
                .prt(0, 2, IntxPin.A, 38)
                .prt(0, 3, IntxPin.A, 28)
                .prt(0, 0x1c, IntxPin.A, 16)
                .prtLink(1, 0, IntxPin.A, "LNKA")
                .prtLink(1, 0, IntxPin.B, "LNKB")
                .link("LNKA", List.of(20, 21, 22, 23), 21)
                .link("LNKB", List.of(20, 21, 22, 23), 0);
    }
}
