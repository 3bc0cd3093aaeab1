package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;
import vdm.pci.cap.Msi;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;

/**
 * vPCI's MSI with multiple messages and per-vector masking (msi.c control_write and mask_write, vmsi.c's
 * vpci_msi_update): a Multiple Message Enable change while enabled disables and enables again with the new count,
 * each pirq bound to its vector of the block, and a mask bit of an enabled vector reaches Xen's mask of its pirq.
 */
class VpciMsiMultiTest {
    static final Sbdf DEV = Sbdf.parse("0000:00:06.0");
    static final int POS = 0x50, CTRL = POS + 2, ADDR = POS + 4, DATA = POS + 8, MASK = POS + 12;

    static int ecam(int reg) {
        return DEV.bus() << 20 | DEV.devfn() << 12 | reg;
    }

    private static long msiPirqs(Domain d) {
        return Arrays.stream(d.pirqs().mappings()).filter(m -> m.type() == PirqTable.Type.MSI).count();
    }

    @Test
    void aVectorCountChangeWhileEnabledReenablesWithTheWholeBlockBound() {
        Layout multi = Layout.type0("multi").ids(0x8086, 0x4321).classCode(0x010802).bar(0, Bar.mem32(4096))
                .capability(new Msi(4).perVectorMask().at(POS)).build();
        TestBus bus = new TestBus().add(DEV.toString(), multi);
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 2);
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, ecam(ADDR), 4, 0xfee00000);
        xen.ecamWrite(v, ecam(DATA), 2, 0x0061);
        xen.ecamWrite(v, ecam(CTRL), 2, 0x0001);
        VpciMsi msi = dom0.header(DEV).msi();
        assertTrue(msi.enabled() && msi.bound(), xen.log()::dmesg);
        assertEquals(1, msiPirqs(dom0));
        int first = msi.pirq();
        // A mask bit of a vector that is not enabled is only stored.
        int deviceMask = bus.space(DEV.toString()).read(MASK, 4); // msi_capability_init masks the vectors not enabled
        xen.ecamWrite(v, ecam(MASK), 4, 0x2);
        assertEquals(deviceMask, bus.space(DEV.toString()).read(MASK, 4), "vector 1 is not enabled: mask_write skips it");
        assertEquals(0x2, xen.ecamRead(v, ecam(MASK), 4), "but Xen keeps dom0's bits");
        xen.ecamWrite(v, ecam(MASK), 4, 0x0);
        xen.ecamWrite(v, ecam(CTRL), 2, 0x0021); // four messages, still enabled
        assertEquals(4, msi.vectors());
        assertTrue(msi.enabled() && msi.bound(), xen.log()::dmesg);
        assertNotEquals(VpciMsiArch.INVALID_PIRQ, msi.pirq());
        assertEquals(4, msiPirqs(dom0), "the old pirq went, a block of four came");
        // vpci_msi_update: vector (data & ~mask) | ((data + i) & mask) with mask 3: 0x61, 0x62, 0x63, 0x60.
        int[] expected = {0x61, 0x62, 0x63, 0x60};
        for (int i = 0; i < 4; i++) assertEquals(expected[i], xen.msi().binding(dom0, msi.pirq() + i).gvec(), "vector " + i);
        assertEquals(0x0024 | 0x0100 | 0x0001, xen.ecamRead(v, ecam(CTRL), 2) & 0x1ff, "QSIZE 2, QMASK 2, masking, enabled");
        assertEquals(0x20, bus.space(DEV.toString()).read(CTRL, 2) & 0x70, "the device got Xen's Message Control");
        // Masking vector 2 of the enabled block reaches its pirq (guest_mask_msi_irq sets the device's bit).
        xen.ecamWrite(v, ecam(MASK), 4, 0x4);
        assertEquals(0x4, bus.space(DEV.toString()).read(MASK, 4) & 0x4, xen.log()::dmesg);
        assertTrue(first >= 0);
    }
}
