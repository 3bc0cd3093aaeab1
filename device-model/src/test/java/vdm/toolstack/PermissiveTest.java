package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.log.Level;
import vdm.model.Preset;

/**
 * XSA-131 as xen_pt_pci_write_config has it: a guest write to a config field QEMU does not know is inhibited unless
 * the device was added with permissive=true, and the first inhibited write is logged with QEMU's three lines.
 */
class PermissiveTest {
    private static XenPtDevice attachNic(Vdm vdm, boolean permissive) {
        assertEquals(0, vdm.libxl().pciAssignableAdd(DefaultHost.NIC));
        int d = vdm.libxl().domainCreate(1);
        assertTrue(vdm.libxl().pciAttach(d, DefaultHost.NIC, 5, "pci-pt-03_00.0", permissive).ok());
        return vdm.libxl().device(DefaultHost.NIC);
    }

    /** The power management capability's control/status register (PMCSR), a field xen_pt_config_init's table lacks in vdm. */
    private static int pmcsr(Vdm vdm) {
        int at = vdm.host().read(DefaultHost.NIC, 0x34, 1);
        while (at != 0) {
            if (vdm.host().read(DefaultHost.NIC, at, 1) == 0x01) return at + 4;
            at = vdm.host().read(DefaultHost.NIC, at + 1, 1);
        }
        throw new AssertionError("the default host's NIC has a PM capability");
    }

    private static List<String> qemuWarnings(Vdm vdm) {
        return vdm.libxl().log().lines().stream()
                .filter(l -> l.source() == ToolstackLog.Source.QEMU && l.level() == Level.WARNING)
                .map(ToolstackLog.Line::text).toList();
    }

    @Test
    void withoutPermissiveAWriteToAnUnknownFieldIsInhibitedAndLoggedOnce() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        XenPtDevice pt = attachNic(vdm, false);
        int at = pmcsr(vdm);
        int before = vdm.host().read(DefaultHost.NIC, at, 1);
        pt.guestWrite(at, 1, 0x03);
        pt.guestWrite(at, 1, 0x03);
        assertFalse(pt.permissive());
        assertEquals(before, vdm.host().read(DefaultHost.NIC, at, 1), "the device never saw the write");
        assertEquals(List.of(
                String.format("[00:05.0] Write-back to unknown field 0x%02x (partially) inhibited (0x00)", at),
                "[00:05.0] If the device doesn't work, try enabling permissive mode",
                "[00:05.0] (unsafe) and if it helps report the problem to xen-devel"), qemuWarnings(vdm),
                "permissive_warned: once per device");
    }

    @Test
    void withPermissiveTheWriteReachesTheDeviceWithoutAWarning() {
        Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        XenPtDevice pt = attachNic(vdm, true);
        int at = pmcsr(vdm);
        assertEquals(0, vdm.host().read(DefaultHost.NIC, at, 1) & 3, "D0 before");
        pt.guestWrite(at, 2, 0x0003);
        assertTrue(pt.permissive());
        assertEquals(3, vdm.host().read(DefaultHost.NIC, at, 1) & 3, "the guest put the device in D3hot");
        assertEquals(List.of(), qemuWarnings(vdm).stream().filter(t -> t.contains("Write-back")).toList());
    }

    @Test
    void theHeaderStaysMediatedInBothModes() {
        for (boolean permissive : new boolean[] {false, true}) {
            Vdm vdm = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
            XenPtDevice pt = attachNic(vdm, permissive);
            int hostBar0 = vdm.host().read(DefaultHost.NIC, 0x10, 4);
            pt.guestWrite(0x10, 4, 0xffffffff);
            assertEquals(hostBar0, vdm.host().read(DefaultHost.NIC, 0x10, 4), "BARs stay in QEMU, permissive " + permissive);
        }
    }
}
