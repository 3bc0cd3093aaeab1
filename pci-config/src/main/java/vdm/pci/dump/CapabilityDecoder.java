package vdm.pci.dump;

import java.util.Arrays;
import vdm.pci.cap.Aer;
import vdm.pci.cap.Dsn;
import vdm.pci.cap.GenericExtended;
import vdm.pci.cap.GenericStandard;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.pci.cap.PciExpress;
import vdm.pci.cap.PowerManagement;
import vdm.pci.cap.VendorSpecific;
import vdm.pci.layout.Capability;
import vdm.pci.layout.LayoutException;

/**
 * Turns a dumped capability back into a declaration: the modelled kinds (PM, MSI, MSI-X, PCIe, vendor-specific,
 * AER, DSN) from their capability registers, anything else as its constant bytes. A dump shows values, not write
 * masks, so a modelled capability gets the writable bits its class declares for those parameters.
 */
final class CapabilityDecoder {
    private CapabilityDecoder() {}

    /** The modelled declaration, or null when the kind is not modelled or its parameters are not representable. */
    static Capability typed(byte[] cfg, CapabilityChain.Found f, PciExpress.PortType portType) {
        try {
            Capability c = f.extended() ? typedExtended(cfg, f, portType) : typedStandard(cfg, f);
            return c != null && c.length() <= f.room() ? c.at(f.offset()) : null;
        } catch (LayoutException e) {
            return null; // e.g. MSI-X BIR 6, a PCIe port claiming FLR: keep the bytes instead
        }
    }

    private static Capability typedStandard(byte[] cfg, CapabilityChain.Found f) {
        int o = f.offset();
        return switch (f.id()) {
            case PowerManagement.ID -> {
                int csr = u16(cfg, o + PowerManagement.PMCSR);
                yield new PowerManagement().capabilities(u16(cfg, o + 2)).noSoftReset((csr & 0x0008) != 0)
                        .dataSelectWritable((csr & 0x1e00) != 0);
            }
            case Msi.ID -> {
                int ctl = u16(cfg, o + Msi.CONTROL);
                int mmc = (ctl >>> 1) & 7;
                if (mmc > 5) yield null;
                Msi msi = new Msi(1 << mmc);
                if ((ctl & 0x0080) != 0) msi.address64();
                if ((ctl & 0x0100) != 0) msi.perVectorMask();
                yield msi;
            }
            case MsiX.ID -> {
                int table = CapabilityChain.dword(cfg, o + 4), pba = CapabilityChain.dword(cfg, o + 8);
                yield new MsiX((u16(cfg, o + 2) & 0x07ff) + 1, table & 7, table & ~7, pba & 7, pba & ~7);
            }
            case PciExpress.ID -> pciExpress(cfg, o);
            case VendorSpecific.ID -> {
                int length = cfg[o + 2] & 0xff;
                yield length < 3 || length > f.room() ? null : new VendorSpecific(Arrays.copyOfRange(cfg, o + 3, o + length));
            }
            default -> null;
        };
    }

    private static Capability pciExpress(byte[] cfg, int o) {
        int flags = u16(cfg, o + 2);
        PciExpress.PortType type = portType(flags);
        if (type == null) return null;
        int version = flags & 0xf;
        if (version != 1 && version != 2) return null;
        PciExpress e = new PciExpress(type);
        // A dump cannot tell whether Device/Link Control are writable: a v1 capability gets writable controls,
        // as hardware has them (QEMU 7.2's e1000e, which hard-wires them to 0, reads back the same bytes).
        if (version == 1) e.version1(true);
        int devcap = CapabilityChain.dword(cfg, o + 4);
        if ((devcap & (1 << 28)) != 0) e.flr();
        e.deviceCapabilities(devcap & ~(1 << 28));
        int lnkcap = CapabilityChain.dword(cfg, o + 0xc);
        e.link(lnkcap & 0xf, (lnkcap >>> 4) & 0x3f).port(lnkcap >>> 24);
        if (version == 2 && (flags & 0x0100) != 0) e.slot(CapabilityChain.dword(cfg, o + 0x14) >>> 19);
        return e;
    }

    /** The device/port type of a PCIe capability's flags, or null if vdm does not model it. */
    static PciExpress.PortType portType(int flags) {
        int code = (flags >>> 4) & 0xf;
        for (PciExpress.PortType t : PciExpress.PortType.values()) if (t.code == code) return t;
        return null;
    }

    private static Capability typedExtended(byte[] cfg, CapabilityChain.Found f, PciExpress.PortType portType) {
        int o = f.offset();
        return switch (f.id()) {
            case Aer.ID -> {
                if (f.version() != 2) yield null;
                int length = Math.min(0x48, f.room()) & ~3;
                Aer aer = new Aer(portType == PciExpress.PortType.ROOT_PORT);
                yield length == 0x48 ? aer : aer.length(length);
            }
            case Dsn.ID -> f.version() != 1 ? null
                    : new Dsn((CapabilityChain.dword(cfg, o + 4) & 0xffffffffL) | (long) CapabilityChain.dword(cfg, o + 8) << 32);
            default -> null;
        };
    }

    /** The capability as constant bytes up to the next capability, trailing zeros left out (they read 0 anyway). */
    static Capability generic(byte[] cfg, CapabilityChain.Found f) {
        int o = f.offset();
        int end = o + f.room();
        if (f.extended()) {
            while (end > o + 4 && CapabilityChain.dword(cfg, end - 4) == 0) end -= 4;
            return new GenericExtended(f.id(), f.version(), Arrays.copyOfRange(cfg, o + 4, end)).at(o);
        }
        while (end > o + 2 && cfg[end - 1] == 0) end--;
        return new GenericStandard(f.id(), Arrays.copyOfRange(cfg, o + 2, end)).at(o);
    }

    private static int u16(byte[] b, int at) {
        return LspciDump.u16(b, at);
    }
}
