package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vdm.host.Firmware;
import vdm.host.FunctionSource;
import vdm.host.Host;
import vdm.host.IntxPin;
import vdm.host.MemoryRegion;
import vdm.pci.Sbdf;

/**
 * A BAR firmware placed over the host's memory map, decoding on, as a PVH dom0's Xen meets it at boot: vPCI's
 * init_header maps it (modify_bars with pci_check_bar, Xen 4acab25a93 and before), and check_pdev's decoding check
 * (75cc460a1b, taken out by 53d9133638). QEMU's nvme: BAR0 16 KiB, MSI-X table on page 2, PBA on page 3.
 */
class BarOverMemoryMapTest {
    static final Sbdf OVER = Sbdf.parse("0000:00:06.0"), CLEAR = Sbdf.parse("0000:00:07.0");
    static final long BAR = 0xfe000000L, CLEAR_BAR = 0xfe100000L;

    /** Page 1 of OVER's BAR0 is reserved in the memory map; CLEAR's BAR0 is in a hole. */
    static Host host() {
        return Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .memory(0, 0x9fbff, MemoryRegion.Type.RAM).memory(0xfe001000L, 0xfe001fffL, MemoryRegion.Type.RESERVED)
                .device(OVER.toString(), new FunctionSource.Catalog("nvme"), Firmware.placed(Map.of(0, BAR), true))
                .device(CLEAR.toString(), new FunctionSource.Catalog("nvme"), Firmware.placed(Map.of(0, CLEAR_BAR), true))
                .prt(0, 6, IntxPin.A, 16).prt(0, 7, IntxPin.A, 17).build().enumerate();
    }

    private static List<String> ranges(Domain d, Sbdf s) {
        return d.p2m().ranges().stream().filter(r -> r.owner().device().equals(s))
                .map(r -> String.format("%x+%d", r.gfn(), r.pages())).toList();
    }

    @Test
    void withTheSanitizeTheOverlapIsLeftOutAndTheBarCountsAsMappedSoItsTableTraps() {
        Host host = host();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Header h = dom0.header(OVER);
        assertTrue(h.bar(0).enabled());
        assertEquals(List.of("fe000+1"), ranges(dom0, OVER), "page 1 reserved, pages 2 and 3 the MSI-X holes");
        assertFalse(xen.log().contains("not mapping BAR"), xen.log()::dmesg);
        xen.mmioWrite(dom0.vcpu(0), BAR + 0x2000, 4, 0xfee00000L);
        assertEquals(0xfee00000L, xen.mmioRead(dom0.vcpu(0), BAR + 0x2000, 4), "vPCI's copy of entry 0");
    }

    @Test
    void withoutItTheBarIsSkippedAndLeftNotEnabledWhileDecodingIsOnSoItsTableDoesNotTrap() {
        Host host = host();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM.with(XenConfig.Switch.VPCI_BAR_SANITIZE, false), host);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        assertTrue(xen.log().contains("0000:00:06.0: not mapping BAR [fe000, fe003] invalid position"), xen.log()::dmesg);
        Header h = dom0.header(OVER);
        assertFalse(h.bar(0).enabled());
        assertTrue(h.barsMapped(), "modify_decoding wrote COMMAND with memory on");
        assertFalse(h.mappableAtHostAddress(0));
        assertEquals(List.of(), ranges(dom0, OVER));
        assertEquals(List.of("fe100+2"), ranges(dom0, CLEAR), "a BAR in a hole is mapped as ever");
        xen.mmioWrite(dom0.vcpu(0), BAR + 0x2000, 4, 0xfee00000L);
        assertEquals(0xffffffffL, xen.mmioRead(dom0.vcpu(0), BAR + 0x2000, 4), "nothing traps or maps the table");
    }

    @Test
    void checkPdevTurnsDecodingOffForADeviceWhoseBarOverlapsTheMapAndOnlyThat() {
        Host host = host();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM.with(XenConfig.Switch.PCI_KEEP_DECODING, false), host);
        xen.createDom0(Domain.Kind.PVH, 1);
        assertTrue(xen.log().contains("0000:00:06.0 disabled: BAR [0xfe000, 0xfe003] overlaps with memory map"), xen.log()::dmesg);
        assertEquals(0, host.require(OVER).command() & 0x2, "left off for dom0 to reposition");
        assertEquals(BAR, host.require(OVER).barAddress(0), "the BAR is where firmware put it (sizing put it back)");
        assertEquals(0x2, host.require(CLEAR).command() & 0x2, "back on: no overlap");
        assertFalse(xen.log().contains("0000:00:07.0 disabled"));
    }

    @Test
    void since53d9133638XenLeavesDecodingAsFirmwareSetIt() {
        Host host = host();
        Xen xen = Xen.onHost(XenConfig.UPSTREAM, host);
        xen.createDom0(Domain.Kind.PV, 1);
        assertEquals(0x2, host.require(OVER).command() & 0x2);
        assertFalse(xen.log().contains("overlaps with memory map"));
    }
}
