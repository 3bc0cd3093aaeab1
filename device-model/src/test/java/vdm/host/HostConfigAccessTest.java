package vdm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.pci.ConfigAccessException;
import vdm.pci.Effects;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;
import vdm.pci.cap.PciExpress;
import vdm.pci.cap.PowerManagement;

/** Configuration access by SBDF as the hardware answers it: absence, bridge routing, resets. */
class HostConfigAccessTest {
    private static final Sbdf PORT = Sbdf.parse("0000:00:1c.0");
    private static final Sbdf NVME = Sbdf.parse("0000:01:00.0");
    private static final Sbdf NIC = Sbdf.parse("0000:00:03.0");

    /** Root port 00:1c.0 -> bus 01 (nvme), and below it a second port 01:01.0 -> bus 02 (e1000). */
    private static Host host() {
        return Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device(NIC.toString(), "e1000e")
                .bridge(PORT.toString(), "pcie-root-port", 1, 2)
                .device(NVME.toString(), "nvme")
                .bridge("0000:01:01.0", "pcie-root-port", 2)
                .device("0000:02:00.0", "e1000")
                .prt(0, 3, IntxPin.A, 16).prt(0, 0x1c, IntxPin.A, 17).prt(0, 0x1c, IntxPin.B, 18)
                .build();
    }

    @Test
    void missingFunctionReadsAllOnesAndDropsWrites() {
        Host host = host();
        Sbdf absent = Sbdf.parse("0000:00:07.0");
        assertEquals(0xffffffff, host.read(absent, 0, 4));
        assertEquals(0xffff, host.read(absent, 0, 2));
        assertEquals(0xff, host.read(absent, 0x3d, 1));
        assertEquals(0, host.write(absent, 0x04, 2, 0x6));
        assertEquals(0xffffffff, host.read(Sbdf.parse("0007:00:00.0").packed(), 0, 4)); // a segment the host lacks
        assertNull(host.lookup(absent.packed()));
    }

    @Test
    void badAccessToAMissingFunctionIsStillABadAccess() {
        assertThrows(ConfigAccessException.class, () -> host().read(Sbdf.parse("00:07.0"), 1, 2));
    }

    @Test
    void lookupByPackedSbdfFindsTheFunction() {
        Host host = host();
        PhysicalFunction nic = host.lookup(NIC.packed());
        assertEquals(NIC, nic.sbdf());
        assertSame(nic, host.function(NIC).orElseThrow());
        assertEquals(0x10d38086, host.read(NIC.packed(), 0, 4));
    }

    @Test
    void functionBehindAnUnprogrammedBridgeReadsAllOnesUntilTheBusNumbersArePrograms() {
        Host host = host();
        assertEquals(0xffffffff, host.read(NVME, 0, 4));
        assertEquals(0, host.write(NVME, 0x04, 2, 0x2));
        assertFalse(host.require(NVME).reachable());

        host.bridge(PORT).orElseThrow().programBusNumbers(0, 1, 2);
        assertEquals(0x00101b36, host.read(NVME, 0, 4));
        assertEquals(0, host.require(NVME).command(), "the write made while unreachable was dropped");
        // one bridge further down still needs its own numbers
        assertEquals(0xffffffff, host.read(Sbdf.parse("02:00.0"), 0, 4));
        host.write(Sbdf.parse("01:01.0"), 0x18, 4, 0x00020201);
        assertEquals(0x100e8086, host.read(Sbdf.parse("02:00.0"), 0, 4));
    }

    @Test
    void bridgeProgrammedWithOtherBusNumbersHidesTheFunctions() {
        Host host = host();
        host.write(PORT, 0x18, 4, 0x00050500); // secondary 5, subordinate 5
        assertEquals(0xffffffff, host.read(NVME, 0, 4));
        host.write(PORT, 0x18, 4, 0x00020100);
        assertEquals(0x1b36, host.read(NVME, 0, 2));
        host.write(PORT, 0x18, 4, 0x00010100); // subordinate 1 no longer covers bus 02
        assertEquals(0xffffffff, host.read(Sbdf.parse("02:00.0"), 0, 4));
    }

    @Test
    void enumerateProgramsEveryBridgeAsFirmwareDoes() {
        Host host = host().enumerate();
        Bridge port = host.bridge(PORT).orElseThrow();
        assertEquals(0, port.primaryBus());
        assertEquals(1, port.secondaryBus());
        assertEquals(2, port.subordinateBus());
        assertEquals(1, host.bridge(Sbdf.parse("01:01.0")).orElseThrow().primaryBus());
        assertTrue(host.functions().stream().allMatch(PhysicalFunction::reachable));
        assertTrue(port.memoryWindow().isEmpty(), "no window described, so it is closed");
    }

    @Test
    void writesBehindTheProgrammedBridgeReachTheDeviceWithEffects() {
        Host host = host().enumerate();
        int eff = host.write(NVME, 0x10, 4, 0xfe80_0000);
        assertEquals(Effects.bar(0), eff);
        assertEquals(0xfe80_0004, host.read(NVME, 0x10, 4));
    }

    @Test
    void secondaryBusResetThroughBridgeControlResetsEveryFunctionBelow() {
        Host host = host().enumerate();
        Sbdf e1000 = Sbdf.parse("02:00.0");
        host.write(NVME, 0x10, 4, 0xfe80_0000);
        host.write(NVME, 0x04, 2, 0x0006);
        host.write(e1000, 0x10, 4, 0xfe9e_0000);
        host.write(NIC, 0x10, 4, 0xfea0_0000);

        int eff = host.write(PORT, 0x3e, 2, 0x0040);
        assertTrue((eff & Effects.BRIDGE_CONTROL) != 0);
        assertEquals(0xffffffff, host.read(NVME, 0, 4), "held in reset while bit 6 is set");
        host.write(PORT, 0x3e, 2, 0x0000);

        assertEquals(0x0000_0004, host.read(NVME, 0x10, 4), "BAR back to its type bits (64-bit memory)");
        assertEquals(0, host.read(NVME, 0x04, 2));
        assertEquals(0xffffffff, host.read(e1000, 0, 4), "the bridge below lost its bus numbers");
        assertEquals(0, host.bridge(Sbdf.parse("01:01.0")).orElseThrow().secondaryBus());
        assertEquals(0, host.require(e1000).config().read(0x10, 4), "and the function below it was reset too");
        assertEquals(0xfea0_0000, host.read(NIC, 0x10, 4), "a function on another bus keeps its state");
        assertEquals(1, host.bridge(PORT).orElseThrow().secondaryBus(), "the bridge itself is not reset");
    }

    @Test
    void secondaryBusResetMethodResetsBelowAndNeedsAReachableBridge() {
        Host host = host().enumerate();
        host.write(NVME, 0x10, 4, 0xfe80_0000);
        host.reset(NVME, ResetKind.SECONDARY_BUS);
        assertEquals(0x4, host.read(NVME, 0x10, 4));
        assertEquals(0, host.bridge(PORT).orElseThrow().function().config().read(0x3e, 2) & 0x40, "bit 6 cleared again");

        Host cold = host();
        var e = assertThrows(IllegalStateException.class, () -> cold.secondaryBusReset(Sbdf.parse("01:01.0")));
        assertTrue(e.getMessage().contains("0000:01:01.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cold.reset(NIC, ResetKind.SECONDARY_BUS));
    }

    @Test
    void flrRequestThroughDeviceControlResetsTheFunction() {
        Host host = host().enumerate();
        PhysicalFunction nvme = host.require(NVME);
        assertTrue(nvme.flrCapable());
        host.write(NVME, 0x10, 4, 0xfe80_0000);
        int devctl = nvme.layout().capability(PciExpress.ID, false).offset() + 8;
        int eff = host.write(NVME, devctl, 2, 0x8000);
        assertTrue((eff & Effects.FLR) != 0);
        assertEquals(0x4, host.read(NVME, 0x10, 4));
    }

    @Test
    void d3hotToD0ResetsAFunctionWithoutNoSoftReset() {
        Host host = host();
        PhysicalFunction nic = host.require(NIC);
        int pmcsr = nic.layout().capability(PowerManagement.ID, false).offset() + PowerManagement.PMCSR;
        host.write(NIC, 0x10, 4, 0xfea0_0000);
        host.write(NIC, pmcsr, 2, 3);
        assertEquals(0xfea0_0000, host.read(NIC, 0x10, 4), "D3hot keeps the state");
        host.write(NIC, pmcsr, 2, 0);
        assertEquals(0, host.read(NIC, 0x10, 4));
        assertEquals(0, host.read(NIC, pmcsr, 2) & 3);
    }

    @Test
    void d3hotToD0KeepsTheStateWithNoSoftReset() {
        Host host = host().enumerate(); // the catalog nvme sets No_Soft_Reset
        PhysicalFunction nvme = host.require(NVME);
        int pmcsr = nvme.layout().capability(PowerManagement.ID, false).offset() + PowerManagement.PMCSR;
        host.write(NVME, 0x10, 4, 0xfe80_0000);
        host.write(NVME, pmcsr, 2, 3);
        host.write(NVME, pmcsr, 2, 0);
        assertEquals(0xfe80_0004, host.read(NVME, 0x10, 4));
    }

    @Test
    void flrMethodResetsOnlyThatFunction() {
        Host host = host();
        host.write(NIC, 0x10, 4, 0xfea0_0000);
        host.write(NIC, 0x04, 2, 0x0406);
        host.reset(NIC, ResetKind.FLR);
        assertEquals(0, host.read(NIC, 0x10, 4));
        assertEquals(0, host.read(NIC, 0x04, 2));
    }

    @Test
    void powerCycleRestoresEverything() {
        Host host = host().enumerate();
        host.powerCycle();
        assertEquals(0, host.bridge(PORT).orElseThrow().secondaryBus());
        assertEquals(0xffffffff, host.read(NVME, 0, 4));
        assertNotEquals(0xffffffff, host.read(NIC, 0, 4));
    }
}
