package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.ioapic.InterruptSourceOverride;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.pci.layout.BarKind;

/**
 * The built-in host has what the later issues rely on (that docs/examples/default-host.json is the same host is
 * checked in vdm.persist.HostJsonRoundTripTest).
 */
class DefaultHostTest {
    @Test
    void hasTheDescribedFunctionsAllReachableAfterFirmware() {
        Host host = DefaultHost.build();
        List<Sbdf> present = host.functions().stream().map(PhysicalFunction::sbdf).toList();
        assertEquals(List.of(DefaultHost.HOST_BRIDGE, DefaultHost.GPU, DefaultHost.NIC, DefaultHost.ACCELERATOR,
                DefaultHost.ROOT_PORT, DefaultHost.NVME), present);
        assertTrue(host.functions().stream().allMatch(PhysicalFunction::reachable));
        assertEquals(0x060000, host.read(DefaultHost.HOST_BRIDGE, 0x08, 4) >>> 8);
        assertEquals(0x0010_1b36, host.read(DefaultHost.NVME, 0, 4));
        assertEquals(1, host.bridge(DefaultHost.ROOT_PORT).orElseThrow().secondaryBus());
    }

    @Test
    void gpuHasA256MiBSixtyFourBitPrefetchableBar() {
        PhysicalFunction gpu = DefaultHost.build().require(DefaultHost.GPU);
        assertEquals(BarKind.MEM64, gpu.barKind(1));
        assertTrue(gpu.barPrefetchable(1));
        assertEquals(256L << 20, gpu.barSize(1));
    }

    @Test
    void hostBridgeAndAcceleratorHaveNoInterruptPin() {
        Host host = DefaultHost.build();
        assertEquals(0, host.require(DefaultHost.ACCELERATOR).interruptPin());
        assertTrue(host.route(DefaultHost.ACCELERATOR).isEmpty());
        assertTrue(host.route(DefaultHost.HOST_BRIDGE).isEmpty());
    }

    @Test
    void madtHasTwoIoApicsTheOverridesAndTheSci() {
        Host host = DefaultHost.build();
        Madt madt = host.madt();
        assertEquals(List.of(new IoApicDescriptor(0, 0xfec0_0000L, 0, 24), new IoApicDescriptor(1, 0xfec0_1000L, 24, 32)), madt.ioApics());
        assertEquals(2, madt.gsiOfIsaIrq(0));
        InterruptSourceOverride irq9 = madt.overrides().get(1);
        assertEquals(9, irq9.gsi());
        assertEquals(TriggerMode.LEVEL, irq9.trigger());
        assertEquals(Polarity.ACTIVE_LOW, irq9.polarity());
        assertEquals(Sci.at(9), madt.sci());
        assertEquals(56, host.gsiSpace().gsiLimit());
        assertEquals(0xfec0_1000L, host.gsiSpace().ioApic(38).address());
        assertEquals(14, host.gsiSpace().pin(38));
        assertEquals(2, host.gsiSpace().gsiOfIsaIrq(0));
    }

    @Test
    void gsisAreNotInDeviceOrder() {
        Host host = DefaultHost.build();
        List<Integer> gsis = host.functions().stream().map(f -> host.route(f.sbdf()))
                .flatMap(java.util.Optional::stream).map(IntxRoute::gsi).toList();
        assertEquals(List.of(38, 28, 16, 21), gsis, "in enumeration order: GPU, NIC, root port, NVMe");
    }

    @Test
    void nvmeIsRoutedThroughALink() {
        Host host = DefaultHost.build();
        IntxRoute r = host.route(DefaultHost.NVME).orElseThrow();
        assertEquals("LNKA", r.link());
        assertEquals(21, r.gsi());
        assertEquals(0, host.link("LNKB").orElseThrow().current());
    }
}
