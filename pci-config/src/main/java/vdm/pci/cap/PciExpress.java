package vdm.pci.cap;

import vdm.pci.Effects;
import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.LayoutException;
import vdm.pci.layout.RegisterMap;

/**
 * PCI Express capability, id 0x10 (PCIe base spec 7.5.3). Version 2 is 0x3c bytes with device, link, slot, root
 * and "2" registers; version 1 (0x14 bytes) is what QEMU's pcie_endpoint_cap_v1_init declares for e1000e, where
 * (checked live against QEMU 7.2) no control bit is writable.
 */
public final class PciExpress extends Capability {
    public static final int ID = 0x10;
    public static final int DEVCTL = 0x08;
    public static final int DEVCTL_FLR = 0x8000;
    public static final int LNKSTA = 0x12;

    /** Device/port type, bits 7:4 of the PCI Express Capabilities register. */
    public enum PortType {
        ENDPOINT(0x0), LEGACY_ENDPOINT(0x1), ROOT_PORT(0x4), UPSTREAM_PORT(0x5), DOWNSTREAM_PORT(0x6),
        PCIE_TO_PCI_BRIDGE(0x7), ROOT_COMPLEX_INTEGRATED_ENDPOINT(0x9);

        public final int code;

        PortType(int code) {
            this.code = code;
        }

        boolean isPort() {
            return this == ROOT_PORT || this == DOWNSTREAM_PORT;
        }
    }

    private final PortType type;
    private int version = 2;
    private boolean flr;
    private boolean controlsWritable = true;
    private int maxSpeed = 1; // 2.5 GT/s
    private int maxWidth = 1;
    private int portNumber;
    private int slot = -1;
    private int devcap = 0x8000; // Role-Based Error Reporting, as QEMU

    public PciExpress(PortType type) {
        if (type == null) throw new LayoutException("PCIe port type is missing");
        this.type = type;
    }

    public static PciExpress endpoint() { return new PciExpress(PortType.ENDPOINT); }
    public static PciExpress rootPort(int portNumber) { return new PciExpress(PortType.ROOT_PORT).port(portNumber); }

    /** A version 1 capability (20 bytes); {@code controlsWritable = false} mirrors QEMU 7.2's e1000e. */
    public PciExpress version1(boolean controlsWritable) {
        this.version = 1;
        this.controlsWritable = controlsWritable;
        return this;
    }

    /** Function Level Reset capable: Device Control bit 15 initiates an FLR (reported as {@link Effects#FLR}). */
    public PciExpress flr() {
        if (type.isPort() || type == PortType.UPSTREAM_PORT) throw new LayoutException("PCIe: FLR is for endpoints, not " + type);
        this.flr = true;
        return this;
    }

    /** Link speed (1 = 2.5 GT/s .. 5 = 32 GT/s) and width (1..32 lanes), as link capabilities and status report. */
    public PciExpress link(int speed, int width) {
        if (speed < 1 || speed > 6) throw new LayoutException("PCIe link speed " + speed + " must be 1..6");
        if (width < 1 || width > 32) throw new LayoutException("PCIe link width " + width + " must be 1..32");
        this.maxSpeed = speed;
        this.maxWidth = width;
        return this;
    }

    public PciExpress port(int number) {
        this.portNumber = number & 0xff;
        return this;
    }

    /** A hot-plug capable slot with this physical slot number (ports only). */
    public PciExpress slot(int number) {
        if (!type.isPort()) throw new LayoutException("PCIe: only a root or downstream port has a slot, not " + type);
        this.slot = number;
        return this;
    }

    public PciExpress deviceCapabilities(int value) {
        this.devcap = value;
        return this;
    }

    public PortType type() { return type; }
    public boolean hasFlr() { return flr; }

    @Override public boolean makesExpressFunction() { return true; }
    @Override public int id() { return ID; }
    @Override public String name() { return "PCIe"; }
    @Override public int length() { return version == 1 ? 0x14 : 0x3c; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        String o = label(base);
        boolean port = type.isPort();
        int flags = version | type.code << 4 | (slot >= 0 ? 0x100 : 0);
        map.declare(o, "Capabilities", base + 2, 2, BitKind.CONST, flags);
        map.declare(o, "DeviceCapabilities", base + 4, 4, BitKind.CONST, devcap | (flr ? 1 << 28 : 0));
        int devctl = base + DEVCTL;
        if (controlsWritable) {
            map.declare(o, "DeviceControl", devctl, 2, BitKind.RW, 0x7fff, 0x2810 & 0x7fff);
            if (flr) {
                map.declare(o, "InitiateFLR", devctl, 2, BitKind.TRIGGER, DEVCTL_FLR, 0);
                map.watchTrigger(devctl, 2, DEVCTL_FLR, Effects.FLR);
            } else {
                map.declare(o, "DeviceControlBit15", devctl, 2, BitKind.RSVDP, DEVCTL_FLR, 0);
            }
            map.declare(o, "ErrorDetected", devctl + 2, 2, BitKind.RW1C, 0x000f, 0);
            map.declare(o, "DeviceStatusRO", devctl + 2, 2, BitKind.RO, 0x0030, 0);
            map.declare(o, "DeviceStatusReserved", devctl + 2, 2, BitKind.RSVDZ, 0xffc0, 0);
        } else {
            map.declare(o, "DeviceControl", devctl, 2, BitKind.CONST, 0);
            map.declare(o, "DeviceStatus", devctl + 2, 2, BitKind.RO, 0);
        }
        int lnkcap = portNumber << 24 | 0x400 | maxWidth << 4 | maxSpeed | (port ? 1 << 20 : 0);
        map.declare(o, "LinkCapabilities", base + 0xc, 4, BitKind.CONST, lnkcap);
        int lnkctl = base + 0x10;
        if (controlsWritable) {
            map.declare(o, "LinkControl", lnkctl, 2, BitKind.RW, 0x0fcb, 0);
            map.declare(o, "LinkDisable", lnkctl, 2, port ? BitKind.RW : BitKind.RSVDP, 0x0010, 0);
            map.declare(o, "RetrainLink", lnkctl, 2, port ? BitKind.TRIGGER : BitKind.RSVDP, 0x0020, 0);
            map.declare(o, "LinkControlReserved", lnkctl, 2, BitKind.RSVDP, 0xf004, 0);
        } else {
            map.declare(o, "LinkControl", lnkctl, 2, BitKind.CONST, 0);
        }
        int lnksta = base + LNKSTA;
        map.declare(o, "LinkSpeedWidth", lnksta, 2, BitKind.RO, 0x03ff, maxWidth << 4 | maxSpeed);
        map.declare(o, "LinkTraining", lnksta, 2, BitKind.RO, 0x3800, port ? 0x2000 : 0);
        map.declare(o, "LinkBandwidthStatus", lnksta, 2, port && controlsWritable ? BitKind.RW1C : BitKind.RO, 0xc000, 0);
        map.declare(o, "LinkStatusReserved", lnksta, 2, BitKind.RSVDZ, 0x0400, 0);
        if (version == 1) return;
        if (slot >= 0) {
            map.declare(o, "SlotCapabilities", base + 0x14, 4, BitKind.CONST, slot << 19 | 0x60);
            map.declare(o, "SlotControl", base + 0x18, 2, BitKind.RW, 0x1fff, 0x03c0);
            map.declare(o, "SlotControlReserved", base + 0x18, 2, BitKind.RSVDP, 0xe000, 0);
            map.declare(o, "SlotStatusChanged", base + 0x1a, 2, BitKind.RW1C, 0x011f, 0);
            map.declare(o, "SlotStatusState", base + 0x1a, 2, BitKind.RO, 0x00e0, 0x0040);
            map.declare(o, "SlotStatusReserved", base + 0x1a, 2, BitKind.RSVDZ, 0xfe00, 0);
        } else {
            map.declare(o, "Slot", base + 0x14, 4, BitKind.CONST, 0);
            map.declare(o, "SlotControlStatus", base + 0x18, 4, BitKind.CONST, 0);
        }
        if (type == PortType.ROOT_PORT) {
            map.declare(o, "RootControl", base + 0x1c, 2, BitKind.RW, 0x001f, 0);
            map.declare(o, "RootControlReserved", base + 0x1c, 2, BitKind.RSVDP, 0xffe0, 0);
            map.declare(o, "RootCapabilities", base + 0x1e, 2, BitKind.CONST, 0);
            map.declare(o, "RootStatusRequester", base + 0x20, 4, BitKind.RO, 0x0000ffff, 0);
            map.declare(o, "RootStatusPME", base + 0x20, 4, BitKind.RW1C, 0x00010000, 0);
            map.declare(o, "RootStatusPending", base + 0x20, 4, BitKind.RO, 0x00020000, 0);
            map.declare(o, "RootStatusReserved", base + 0x20, 4, BitKind.RSVDZ, 0xfffc0000, 0);
        } else {
            map.declare(o, "Root", base + 0x1c, 4, BitKind.CONST, 0);
            map.declare(o, "RootStatus", base + 0x20, 4, BitKind.CONST, 0);
        }
        map.declare(o, "DeviceCapabilities2", base + 0x24, 4, BitKind.CONST, 0x0000001f);
        map.declare(o, "DeviceControl2", base + 0x28, 2, BitKind.RW, port ? 0x67ff : 0x67df, 0);
        map.declare(o, "DeviceControl2Reserved", base + 0x28, 2, BitKind.RSVDP, port ? 0x9800 : 0x9820, 0);
        map.declare(o, "DeviceStatus2", base + 0x2a, 2, BitKind.RSVDZ, 0);
        int speeds = ((1 << maxSpeed) - 1) << 1;
        map.declare(o, "LinkCapabilities2", base + 0x2c, 4, BitKind.CONST, speeds);
        map.declare(o, "LinkControl2", base + 0x30, 2, BitKind.RW, 0x0fff, maxSpeed);
        map.declare(o, "LinkControl2Reserved", base + 0x30, 2, BitKind.RSVDP, 0xf000, 0);
        map.declare(o, "LinkStatus2", base + 0x32, 2, BitKind.RO, 0);
        map.declare(o, "Slot2", base + 0x34, 4, BitKind.CONST, 0);
        map.declare(o, "SlotControlStatus2", base + 0x38, 4, BitKind.CONST, 0);
    }
}
