package vdm.dom0;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.host.LayoutSpec;
import vdm.host.PhysicalFunction;
import vdm.log.StepBus;
import vdm.pci.ConfigRegisters;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;
import vdm.xen.Domain;
import vdm.xen.Xen;
import vdm.xen.XenConfig;

/** dom0's BAR allocator on its own: where unassigned BARs go at boot, and what the kernel's resources remember. */
class ResourceAssignmentTest {
    static final Sbdf A = Sbdf.parse("0000:00:02.0"), B = Sbdf.parse("0000:00:03.0");

    /** A: BAR0 4 KiB 32-bit, BAR1 32 I/O ports, BAR2 256 MiB 64-bit prefetchable, a 64 KiB ROM. B: BAR0 1 MiB 32-bit. */
    static Host twoFunctions() {
        return Host.builder()
                .rootBridge(0)
                .ioApic(0, 0xfec0_0000L, 0, 24)
                .device(A.toString(), LayoutSpec.endpoint("a", 0x8086, 0x1001, 0x020000)
                        .withBar(0, Bar.mem32(0x1000))
                        .withBar(1, Bar.io(0x20))
                        .withBar(2, Bar.mem64(256L << 20).asPrefetchable())
                        .withRom(0x1_0000))
                .device(B.toString(), LayoutSpec.endpoint("b", 0x8086, 0x1002, 0x020000).withBar(0, Bar.mem32(0x10_0000)))
                .build()
                .enumerate();
    }

    final List<String> steps = new ArrayList<>();

    ResourceAssignment allocator(Host host) {
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        StepBus bus = new StepBus();
        bus.addListener(steps::add);
        return new ResourceAssignment(host, new PciConfigAccess(host, xen, dom0), new PciDevices(host), new KernelLog(), bus);
    }

    @Test
    void thirtyTwoBitBarsAndTheRomArePackedUpwardFromTheRootRangeLargestAlignmentFirst() {
        // pdev_sort_resources orders a bus's resources by alignment: B's 1 MiB BAR, then A's 64 KiB ROM, then A's 4 KiB BAR0.
        Host host = twoFunctions();
        allocator(host).assignUnassigned();
        PhysicalFunction a = host.require(A), b = host.require(B);
        assertEquals(0xe000_0000L, b.barAddress(0), "the largest first, at the base of the root bus's 32-bit range");
        assertEquals(0xe010_0000L, a.romAddress(), "the ROM next, at its 64 KiB alignment");
        assertEquals(0xe011_0000L, a.barAddress(0), "the smallest last");
    }

    @Test
    void aSixtyFourBitPrefetchableBarOnTheRootBusGoesAboveFourGiBWithBothDwordsWritten() {
        Host host = twoFunctions();
        allocator(host).assignUnassigned();
        assertEquals(0x40_0000_0000L, host.require(A).barAddress(2));
        assertEquals(0x40, host.read(A, ConfigRegisters.bar(2) + 4, 4), "upper dword");
    }

    @Test
    void ioBarsGetPortsFrom0xc000() {
        Host host = twoFunctions();
        allocator(host).assignUnassigned();
        assertEquals(0xc000, host.require(A).barAddress(1));
    }

    @Test
    void aBarBehindABridgeGoesAtTheBaseOfTheBridgesMemoryWindow() {
        Host host = DefaultHost.build();
        allocator(host).assignUnassigned();
        assertEquals(0xfe80_0000L, host.require(DefaultHost.NVME).barAddress(0));
    }

    @Test
    void aBarFirmwareAssignedIsLeftWhereItIsAndTheOthersGoAroundIt() {
        Host host = twoFunctions();
        host.write(A, ConfigRegisters.bar(0), 4, 0xe000_0000);
        allocator(host).assignUnassigned();
        assertEquals(0xe000_0000L, host.require(A).barAddress(0));
        assertEquals(0xe010_0000L, host.require(B).barAddress(0), "the next 1 MiB boundary past the claimed BAR");
        assertEquals(0xe001_0000L, host.require(A).romAddress(), "the first 64 KiB boundary past the claimed BAR");
    }

    @Test
    void aBarFirmwarePlacedOutsideEveryRangeOfItsBusIsAssignedAnew() {
        // pcibios_allocate_dev_resources: a BAR that cannot be claimed gets "a new address later".
        Host host = twoFunctions();
        host.write(A, ConfigRegisters.bar(0), 4, 0xd000_0000);
        allocator(host).assignUnassigned();
        assertEquals(0xe011_0000L, host.require(A).barAddress(0));
    }

    @Test
    void decodingThatWasOnIsOnAgainAfterTheBarsAreAssigned() {
        Host host = twoFunctions();
        int on = ConfigRegisters.COMMAND_IO | ConfigRegisters.COMMAND_MEMORY;
        host.write(A, ConfigRegisters.COMMAND, 2, on);
        allocator(host).assignUnassigned();
        assertEquals(on, host.read(A, ConfigRegisters.COMMAND, 2) & on);
        assertEquals(0xe011_0000L, host.require(A).barAddress(0));
    }

    @Test
    void theKernelsResourceOutlivesAResetThatClearsTheBar() {
        Host host = twoFunctions();
        ResourceAssignment r = allocator(host);
        r.assignUnassigned();
        r.readBases();
        host.reset(A, ResetKind.FLR);
        assertEquals(0, host.require(A).barAddress(0), "the device forgot");
        assertEquals(0xe011_0000L, r.assigned(A, 0), "the kernel did not");
        assertEquals(0xe010_0000L, r.assigned(A, PciDev.ROM_RESOURCE));
    }

    @Test
    void movingABarUpdatesTheResourceAndBothRegistersThenEndsAPciUpdateResourceStep() {
        Host host = twoFunctions();
        ResourceAssignment r = allocator(host);
        r.assignUnassigned();
        r.readBases();
        host.write(A, ConfigRegisters.COMMAND, 2, ConfigRegisters.COMMAND_MEMORY);
        r.update(A, 2, 0x50_0000_0000L, true);
        assertEquals(0x50_0000_0000L, r.assigned(A, 2));
        assertEquals(0x50_0000_0000L, host.require(A).barAddress(2));
        assertEquals(ConfigRegisters.COMMAND_MEMORY, host.read(A, ConfigRegisters.COMMAND, 2), "decoding back on");
        assertEquals(List.of("pci_update_resource 0000:00:02.0 BAR2"), steps);
    }

    @Test
    void movingABarTheFunctionLacksIsRefusedNamingIt() {
        ResourceAssignment r = allocator(twoFunctions());
        var e = assertThrows(IllegalArgumentException.class, () -> r.update(B, 1, 0xe800_0000L, true));
        assertEquals("0000:00:03.0 has no BAR1", e.getMessage());
        assertEquals(List.of(), steps);
    }
}
