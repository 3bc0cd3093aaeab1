package vdm.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.host.IntxPin;
import vdm.host.IntxRoute;
import vdm.host.LayoutSpec;
import vdm.ioapic.IoApic;
import vdm.ioapic.Polarity;
import vdm.ioapic.RedirectionEntry;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.xen.Domain;
import vdm.xen.Xen;
import vdm.xen.XenConfig;

/** acpi_pci_irq_enable and acpi_register_gsi on their own, for a PVH and a PV dom0 on the default host. */
class AcpiIrqRoutingTest {
    final List<String> hypercalls = new ArrayList<>();
    final KernelLog log = new KernelLog();
    PciDevices devices;
    AcpiIrqRouting routing;
    Xen xen;
    Host host;

    AcpiIrqRouting routing(Host h, Domain.Kind kind) {
        host = h;
        xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(kind, 1);
        xen.addHypercallListener((caller, name, args, rc) -> hypercalls.add(name));
        devices = new PciDevices(host);
        routing = new AcpiIrqRouting(host, xen, dom0, new PciConfigAccess(host, xen, dom0), new LinuxIrqs(kind == Domain.Kind.PV), log);
        return routing;
    }

    PciDev enable(Sbdf sbdf) {
        PciDev d = devices.get(sbdf);
        routing.enable(d);
        return d;
    }

    List<String> lines() {
        return log.lines().stream().map(KernelLog.Line::text).toList();
    }

    @Test
    void aPvhDom0NumbersIrqsInTheOrderGsisAreRegisteredNotByGsi() {
        routing(DefaultHost.build(), Domain.Kind.PVH);
        assertEquals(16, enable(DefaultHost.GPU).irq, "GSI 38 first: the first IRQ above the legacy ones");
        assertEquals(17, enable(DefaultHost.NIC).irq, "GSI 28 second");
        assertEquals(List.of("pci 0000:00:02.0: PCI INT A -> GSI 38 (level, low) -> IRQ 16",
                "pci 0000:00:03.0: PCI INT A -> GSI 28 (level, low) -> IRQ 17"), lines());
    }

    @Test
    void aPvhDom0ProgramsItsVirtualIoApicPinMaskedAndXenHearsNothing() {
        routing(DefaultHost.build(), Domain.Kind.PVH);
        PciDev nic = enable(DefaultHost.NIC);
        assertEquals(28, nic.gsiAtEnable);
        IoApic second = xen.dom0VioApics().stream().filter(v -> v.gsiBase() == 24).findFirst().orElseThrow();
        long entry = second.entry(28 - 24);
        assertEquals(AcpiIrqRouting.FIRST_VECTOR, RedirectionEntry.vector(entry));
        assertEquals(TriggerMode.LEVEL, RedirectionEntry.trigger(entry));
        assertEquals(Polarity.ACTIVE_LOW, RedirectionEntry.polarity(entry));
        assertTrue((entry & RedirectionEntry.MASK) != 0, "masked until a driver requests the IRQ");
        assertEquals(List.of(), hypercalls);
    }

    @Test
    void aGsiRegisteredAgainKeepsItsIrqAndIsProgrammedOnce() {
        routing(DefaultHost.build(), Domain.Kind.PVH);
        int irq = routing.registerGsi(28, true, true);
        assertEquals(irq, routing.registerGsi(28, true, true));
        assertEquals(AcpiIrqRouting.FIRST_VECTOR + 1, routing.nextVector(), "one vector used");
    }

    @Test
    void aPvDom0MapsAPirqAndSetsUpTheGsiAndItsIrqIsTheGsi() {
        routing(DefaultHost.build(), Domain.Kind.PV);
        assertEquals(28, enable(DefaultHost.NIC).irq);
        assertEquals(List.of("PHYSDEVOP_map_pirq", "PHYSDEVOP_setup_gsi"), hypercalls);
        assertEquals(List.of("xen: registering gsi 28 triggering 0 polarity 1",
                "pci 0000:00:03.0: PCI INT A -> GSI 28 (level, low) -> IRQ 28"), lines());
        assertEquals(AcpiIrqRouting.FIRST_VECTOR, routing.nextVector(), "no virtual IO-APIC to program");
    }

    @Test
    void aFunctionWithoutAnInterruptPinGetsNoIrqAndNoLine() {
        routing(DefaultHost.build(), Domain.Kind.PVH);
        PciDev d = enable(DefaultHost.ACCELERATOR);
        assertEquals(0, d.irq);
        assertEquals(-1, d.gsiAtEnable);
        assertEquals(List.of(), lines());
    }

    @Test
    void aFunctionBehindALinkNamesTheLinkInItsLine() {
        routing(DefaultHost.build(), Domain.Kind.PVH);
        assertEquals(21, enable(DefaultHost.NVME).gsiAtEnable);
        assertEquals(List.of("pci 0000:01:00.0: PCI INT A -> Link[LNKA] -> GSI 21 (level, low) -> IRQ 16"), lines());
    }

    @Test
    void aDisabledLinkIsGivenItsLowestPossibleIrqOnFirstUse() {
        Sbdf behindLnkb = Sbdf.parse("0000:00:05.0");
        routing(Host.builder().rootBridge(0).ioApic(0, 0xfec0_0000L, 0, 24)
                .device(behindLnkb.toString(), LayoutSpec.endpoint("b", 0x8086, 0x1003, 0x020000).withInterruptPin(1))
                .prtLink(0, 5, IntxPin.A, "LNKB")
                .link("LNKB", List.of(20, 21, 22, 23), 0)
                .build(), Domain.Kind.PVH);
        assertEquals(20, enable(behindLnkb).gsiAtEnable);
        assertEquals(20, host.link("LNKB").orElseThrow().current(), "_SRS ran");
        assertEquals(List.of("pci 0000:00:05.0: PCI INT A -> Link[LNKB] -> GSI 20 (level, low) -> IRQ 16"), lines());
    }

    @Test
    void gsiInfoEvaluatesTheRouteNowWhileTheDeviceKeepsTheGsiItWasEnabledWith() {
        routing(DefaultHost.build(), Domain.Kind.PVH);
        PciDev nvme = enable(DefaultHost.NVME);
        host.link("LNKA").orElseThrow().setResource(22);
        assertEquals(22, routing.gsiInfo(DefaultHost.NVME).map(IntxRoute::gsi).orElseThrow());
        assertEquals(21, nvme.gsiAtEnable);
        assertTrue(routing.gsiInfo(DefaultHost.ACCELERATOR).isEmpty(), "no INTx pin");
    }
}
