package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import vdm.pci.Sbdf;
import vdm.pci.cap.Msi;
import vdm.pci.layout.Bar;
import vdm.pci.layout.Layout;

/**
 * vPCI's MSI handlers for the hardware domain (xen/drivers/vpci/msi.c) without an interrupt being set up: Message
 * Control is Xen's (control_read), address, data and mask are Xen's copies and never reach the device, the pending
 * bits are not trapped. The GPU's MSI sits at 0x68: 64-bit, per-vector masking, one message.
 */
class VpciMsiTest {
    static final Sbdf GPU = Sbdf.parse("0000:00:02.0"), MULTI = Sbdf.parse("0000:00:06.0");
    static final int CTRL = 0x6a, ADDR_LO = 0x6c, ADDR_HI = 0x70, DATA = 0x74, MASK = 0x78, PENDING = 0x7c;

    static int ecam(Sbdf s, int reg) {
        return s.bus() << 20 | s.devfn() << 12 | reg;
    }

    @Test
    void messageControlIsSynthesisedFromXensStateNotReadFromTheDevice() {
        TestBus bus = new TestBus().add(GPU.toString(), "gpu");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        assertEquals(0x0180, xen.ecamRead(v, ecam(GPU, CTRL), 2), "per-vector masking and 64-bit, one vector, disabled");
        bus.space(GPU.toString()).write(CTRL, 2, 0x0001); // enabled behind Xen's back
        assertEquals(0x0180, xen.ecamRead(v, ecam(GPU, CTRL), 2), "Xen's enable bit, not the device's");
    }

    @Test
    void addressDataAndMaskAreXensCopiesAndThePendingBitsAreTheDevices() {
        TestBus bus = new TestBus().add(GPU.toString(), "gpu");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        xen.ecamWrite(v, ecam(GPU, ADDR_LO), 4, 0xfee01000);
        xen.ecamWrite(v, ecam(GPU, ADDR_HI), 4, 0);
        xen.ecamWrite(v, ecam(GPU, DATA), 2, 0x4051);
        xen.ecamWrite(v, ecam(GPU, MASK), 4, 1);
        assertEquals(0xfee01000, xen.ecamRead(v, ecam(GPU, ADDR_LO), 4));
        assertEquals(0x4051, xen.ecamRead(v, ecam(GPU, DATA), 2));
        assertEquals(1, xen.ecamRead(v, ecam(GPU, MASK), 4));
        var hw = bus.space(GPU.toString());
        assertEquals(0, hw.read(ADDR_LO, 4), "Xen programs the device itself when it binds (write_msi_msg)");
        assertEquals(0, hw.read(DATA, 2));
        assertEquals(0, hw.read(MASK, 4));
        assertEquals(hw.read(PENDING, 4), xen.ecamRead(v, ecam(GPU, PENDING), 4), "pending bits are not trapped");
        assertFalse(dom0.header(GPU).msi().enabled());
    }

    @Test
    void multipleMessageEnableWhileDisabledIsClampedToWhatTheDeviceCan() {
        Layout multi = Layout.type0("multi").ids(0x8086, 0x4321).classCode(0x010802).bar(0, Bar.mem32(4096))
                .capability(new Msi(4).perVectorMask().at(0x50)).build();
        TestBus bus = new TestBus().add(MULTI.toString(), multi);
        Xen xen = new Xen(XenConfig.UPSTREAM, bus);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 1);
        Vcpu v = dom0.vcpu(0);
        assertEquals(0x0104, xen.ecamRead(v, ecam(MULTI, 0x52), 2), "four vectors capable (QMASK 2), one enabled");
        xen.ecamWrite(v, ecam(MULTI, 0x52), 2, 0x0050); // ask for 32
        assertEquals(0x0124, xen.ecamRead(v, ecam(MULTI, 0x52), 2), "min(32, msi_maxvec) = 4: QSIZE 2");
        assertEquals(4, dom0.header(MULTI).msi().vectors());
        assertEquals(0, bus.space(MULTI.toString()).read(0x52, 2) & 0x70, "a disabled change is Xen's alone");
    }
}
