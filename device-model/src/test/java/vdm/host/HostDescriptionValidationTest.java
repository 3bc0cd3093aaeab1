package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;

/** Every kind of invalid description is refused, and the message names the element at fault. */
class HostDescriptionValidationTest {

    private static HostBuilder base() {
        return Host.builder().ioApic(0, 0xfec0_0000L, 0, 24);
    }

    private static HostDescriptionException refused(HostBuilder b) {
        return assertThrows(HostDescriptionException.class, b::build);
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message should mention '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void duplicateSbdfIsRefusedNamingTheAddress() {
        var e = refused(base().device("0000:00:03.0", "e1000e").device("00:03.0", "e1000").prt(0, 3, IntxPin.A, 16));
        assertMentions(e, "0000:00:03.0", "duplicate SBDF");
    }

    @Test
    void aDeviceAndABridgeAtOneSbdfAreDuplicates() {
        var e = refused(base().bridge("0000:00:1c.0", "pcie-root-port", 1).device("0000:00:1c.0", "nvme")
                .prt(0, 0x1c, IntxPin.A, 16));
        assertMentions(e, "0000:00:1c.0", "duplicate SBDF");
    }

    @Test
    void deviceOnABusNoBridgeCoversIsBehindAMissingBridge() {
        var e = refused(base().device("0000:05:00.0", "nvme").prt(0, 0, IntxPin.A, 16));
        assertMentions(e, "device 0000:05:00.0", "missing bridge", "bus 05");
    }

    @Test
    void deviceInsideABridgeRangeButOnNoSecondaryBusIsBehindAMissingBridge() {
        var e = refused(base().bridge("0000:00:1c.0", "pcie-root-port", 1, 4).device("0000:03:00.0", "nvme")
                .prt(0, 0x1c, IntxPin.A, 16));
        assertMentions(e, "device 0000:03:00.0", "missing bridge", "0000:00:1c.0");
    }

    @Test
    void bridgeOnAMissingBusIsRefused() {
        var e = refused(base().bridge("0000:02:00.0", "pcie-root-port", 3).prt(0, 0, IntxPin.A, 16));
        assertMentions(e, "bridge 0000:02:00.0", "missing bridge");
    }

    @Test
    void prtNamingAnUnknownLinkIsRefusedListingTheLinks() {
        var e = refused(base().device("0000:00:03.0", "e1000e").prtLink(0, 3, IntxPin.A, "LNKZ")
                .link("LNKA", List.of(16, 17), 16));
        assertMentions(e, "_PRT entry 0000:00 device 03 INTA", "unknown link 'LNKZ'", "LNKA");
    }

    @Test
    void prtGsiOutsideEveryIoApicIsRefused() {
        var e = refused(base().device("0000:00:03.0", "e1000e").prt(0, 3, IntxPin.A, 40));
        assertMentions(e, "_PRT entry 0000:00 device 03 INTA", "GSI 40", "outside every IO-APIC", "0..23");
    }

    @Test
    void linkIrqOutsideEveryIoApicIsRefused() {
        var e = refused(base().link("LNKA", List.of(16, 99), 16));
        assertMentions(e, "link LNKA", "GSI 99", "outside every IO-APIC");
    }

    @Test
    void overrideAndSciGsisMustBeServed() {
        assertMentions(refused(base().override(9, 30)), "ISA IRQ 9", "GSI 30");
        assertMentions(refused(base().sci(30)), "SCI", "GSI 30");
    }

    @Test
    void defaultIrq0OverrideNeedsGsi2Served() {
        var e = refused(Host.builder().ioApic(0, 0xfec0_0000L, 24, 24));
        assertMentions(e, "ISA IRQ 0", "GSI 2");
    }

    @Test
    void overlappingIoApicRangesAreRefusedNamingBoth() {
        var e = refused(Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).ioApic(1, 0xfec0_1000L, 20, 32));
        assertMentions(e, "IO-APIC 0", "IO-APIC 1", "0..23", "20..51", "overlaps");
    }

    @Test
    void ioApicsWithOneIdOrAddressAreRefused() {
        assertMentions(refused(Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).ioApic(0, 0xfec0_1000L, 24, 8)), "same ID");
        assertMentions(refused(Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).ioApic(1, 0xfec0_0000L, 24, 8)), "same MMIO address");
    }

    @Test
    void aHostWithoutIoApicIsRefused() {
        assertMentions(refused(Host.builder()), "MADT", "no IO-APIC");
    }

    @Test
    void unknownCatalogDeviceIsRefusedListingKnownOnes() {
        var e = refused(base().device("0000:00:03.0", "e1001"));
        assertMentions(e, "device 0000:00:03.0", "unknown catalog device 'e1001'", "e1000e", "nvme", "pcie-root-port");
    }

    @Test
    void linkWhoseCurrentIrqIsNotPossibleIsRefused() {
        var e = assertThrows(HostDescriptionException.class, () -> base().link("LNKA", List.of(16, 17, 18), 19));
        assertMentions(e, "link LNKA", "current IRQ 19", "[16, 17, 18]");
    }

    @Test
    void badLinkNamesAndDuplicateLinksAreRefused() {
        assertMentions(assertThrows(HostDescriptionException.class, () -> base().link("lnk-a", List.of(16), 16)), "link lnk-a", "NameSeg");
        assertMentions(refused(base().link("LNKA", List.of(16), 16).link("LNKA", List.of(17), 17)), "link LNKA", "twice");
    }

    @Test
    void functionWithAPinButNoRouteIsRefused() {
        var e = refused(base().device("0000:00:03.0", "e1000e"));
        assertMentions(e, "0000:00:03.0", "INTA", "no _PRT entry");
    }

    @Test
    void duplicatePrtEntryIsRefused() {
        var e = refused(base().device("0000:00:03.0", "e1000e").prt(0, 3, IntxPin.A, 16).prt(0, 3, IntxPin.A, 17));
        assertMentions(e, "_PRT entry 0000:00 device 03 INTA", "twice");
    }

    @Test
    void prtOnABusWithoutBridgeIsRefused() {
        var e = refused(base().prt(0, 7, 0, IntxPin.A, 16));
        assertMentions(e, "_PRT entry 0000:07", "bus 07");
    }

    @Test
    void bridgeNeedsATypeOneHeader() {
        var e = refused(base().bridge("0000:00:1c.0", "nvme", 1).prt(0, 0x1c, IntxPin.A, 16));
        assertMentions(e, "bridge 0000:00:1c.0", "type 1");
    }

    @Test
    void typeOneFunctionMustBeDeclaredAsABridge() {
        var e = refused(base().device("0000:00:1c.0", "pcie-root-port").prt(0, 0x1c, IntxPin.A, 16));
        assertMentions(e, "device 0000:00:1c.0", "declare it as a bridge");
    }

    @Test
    void bridgeBusNumbersMustNestAndNotOverlap() {
        assertMentions(refused(base().bridge("0000:00:1c.0", "pcie-root-port", 1, 2).bridge("0000:00:1d.0", "pcie-root-port", 2, 3)
                .prt(0, 0x1c, IntxPin.A, 16).prt(0, 0x1d, IntxPin.A, 17)), "overlaps");
        assertMentions(refused(base().bridge("0000:00:1c.0", "pcie-root-port", 1, 1).bridge("0000:01:00.0", "pcie-root-port", 2, 2)
                .prt(0, 0x1c, IntxPin.A, 16)), "bridge 0000:01:00.0", "do not fit");
        assertMentions(refused(base().bridge("0000:00:1c.0", "pcie-root-port", 0).prt(0, 0x1c, IntxPin.A, 16)), "secondary bus 00");
    }

    @Test
    void misalignedBridgeWindowIsRefused() {
        var e = refused(base().bridge(BridgeDescriptor.of(Sbdf.parse("00:1c.0"), new FunctionSource.Catalog("pcie-root-port"), 1, 1)
                .withWindows(null, new Window(0xfe80_1000L, 0xfe8f_ffffL), null)).prt(0, 0x1c, IntxPin.A, 16));
        assertMentions(e, "bridge 0000:00:1c.0", "memory window");
    }

    @Test
    void malformedSbdfIsRefusedAtOnce() {
        var e = assertThrows(HostDescriptionException.class, () -> base().device("00:3", "e1000e"));
        assertMentions(e, "00:3");
    }

    @Test
    void badDeclaredLayoutIsRefusedNamingTheDevice() {
        LayoutSpec bad = LayoutSpec.endpoint("odd", 0x1234, 0x5678, 0x020000).withBar(5, Bar.mem64(4096));
        assertMentions(refused(base().device("0000:00:05.0", bad)), "device 0000:00:05.0", "layout odd", "BAR5");
    }

    @Test
    void aFailedBuildLeavesTheBuilderUsable() {
        HostBuilder b = base().device("0000:00:03.0", "e1000e");
        refused(b);
        Host host = b.prt(0, 3, IntxPin.A, 16).build();
        assertEquals(0x8086, host.read(Sbdf.parse("00:03.0"), 0, 2));
    }
}
