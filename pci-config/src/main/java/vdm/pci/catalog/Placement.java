package vdm.pci.catalog;

import vdm.pci.Mode;
import vdm.pci.cap.PciExpress.PortType;

/**
 * Where a catalog device sits in the PCI Express hierarchy. QEMU lets a device's capabilities depend on it, so a
 * QEMU-compatible layout needs it; real hardware wires its Device/Port Type into the function and does not.
 */
public enum Placement {
    /** On the root complex's own bus (q35's pcie.0, a host's bus 0): QEMU makes an endpoint there integrated. */
    ROOT_BUS,
    /**
     * On the secondary bus of a root port, or of any bridge: QEMU asks only whether the bus is the root one
     * (pci_bus_is_root), so every bus below a bridge counts the same.
     */
    ROOT_PORT;

    /**
     * The Device/Port Type an endpoint reports here. QEMU's pcie_endpoint_cap_common_init turns an endpoint on an
     * express root bus into a Root Complex Integrated Endpoint (type 9; Windows refuses a plain endpoint there) and
     * changes nothing else: the link registers stay as pcie_cap_v1_fill set them. Hardware keeps its wired type.
     */
    public PortType endpointType(Mode mode) {
        return mode == Mode.QEMU_COMPAT && this == ROOT_BUS ? PortType.ROOT_COMPLEX_INTEGRATED_ENDPOINT : PortType.ENDPOINT;
    }
}
