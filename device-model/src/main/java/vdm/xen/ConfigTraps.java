package vdm.xen;

import vdm.pci.Access;
import vdm.pci.ConfigAccessException;

/**
 * Xen's trapping of a domain's configuration accesses: the CF8/CFC mechanism with the domain's latch
 * (xen/arch/x86/hvm/io.c, vpci_portio_read/write) and ECAM/MMCFG (vpci_mmcfg_read/write). A trapped access to a
 * device with a vPCI in the domain goes to it; the hardware domain reaches a device without one directly (as Xen
 * lets it); anything else reads as ones.
 *
 * <p>Lock-free: the latch is read with opaque access, the vPCI by an acquire load ({@link Domain#vpci(int)}), and an
 * access is checked once here, not again below. A write's deferred work is the value the vPCI write returns; it is
 * attached to the vCPU and done before the vCPU resumes.
 */
final class ConfigTraps {
    private final PciBus bus;

    ConfigTraps(PciBus bus) {
        this.bus = bus;
    }

    /** A port I/O access: 0xcf8 (the latch, dword only) or 0xcfc..0xcff (data). */
    int ioRead(Vcpu vcpu, int port, int size) {
        Domain d = vcpu.domain();
        if ((port & ~3) == 0xcfc) { // the data port first: it is the hot one
            int latch = d.cf8Opaque();
            if (size != 1 && size != 2 && size != 4) throw new ConfigAccessException(port, size, "size must be 1, 2 or 4");
            if (latch >= 0 || (port & (size - 1)) != 0) return Access.ones(size); // bit 31 clear, or misaligned
            int reg = (latch & 0xfc) | ((latch >>> 16) & 0xf00) | (port & 3); // AMD extended register bits 27:24
            return readValid(d, latch >>> 8 & 0xffff, reg, size); // segment 0 (CF8 reaches no other); aligned, below 4096
        }
        if (port == 0xcf8 && size == 4) return d.cf8Opaque();
        return Access.ones(size);
    }

    void ioWrite(Vcpu vcpu, int port, int size, int value) {
        Domain d = vcpu.domain();
        if (port == 0xcf8 && size == 4) {
            d.setCf8Opaque(value);
            return;
        }
        if (port >= 0xcfc && port <= 0xcff) {
            int latch = d.cf8Opaque();
            if (latch >= 0 || ((port & 3) & (size - 1)) != 0) return;
            int reg = (latch & 0xfc) | ((latch >>> 16) & 0xf00) | (port & 3);
            configWrite(vcpu, latch >>> 8 & 0xffff, reg, size, value);
        }
    }

    /** A trapped read of the function at packed SBDF {@code sbdf} (segment << 16 | bus << 8 | devfn). */
    int configRead(Vcpu vcpu, int sbdf, int reg, int size) {
        Access.check(reg, size);
        return readValid(vcpu.domain(), sbdf, reg, size);
    }

    private int readValid(Domain d, int sbdf, int reg, int size) {
        Vpci vpci = d.vpci(sbdf);
        if (vpci != null) return vpci.readValid(reg, size);
        if (d.isHardwareDomain()) {
            PciHardware hw = bus.function(sbdf);
            if (hw != null) return hw.read(reg, size);
        }
        return Access.ones(size);
    }

    /** A trapped write of the function at packed SBDF {@code sbdf}. */
    void configWrite(Vcpu vcpu, int sbdf, int reg, int size, int value) {
        Domain d = vcpu.domain();
        Vpci vpci = d.vpci(sbdf);
        if (vpci != null) {
            vcpu.defer(vpci.dispatchWrite(reg, size, value)); // defer_map: the work is the write's result
            vcpu.resume(); // vpci_process_pending: done before the vCPU returns to the guest
            return;
        }
        if (d.isHardwareDomain()) {
            PciHardware hw = bus.function(sbdf);
            if (hw != null) {
                hw.write(reg, size, value);
                return;
            }
        }
        Access.check(reg, size);
    }
}
