package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One query-pci device entry with exactly the members of QAPI's PciDeviceInfo (qapi/pci.json, QEMU 7.2): bus, slot,
 * function, class_info {class, desc?}, id {vendor, device, subsystem?, subsystem-vendor?}, irq?, irq_pin, qdev_id,
 * pci_bridge? and regions [PciMemoryRegion]. As qmp_query_pci_device (hw/pci/pci.c) fills it: the subsystem ids
 * only for a type 0 header, irq only when irq_pin is not 0, and per region (qmp_query_pci_regions) prefetch and
 * mem_type_64 only for memory; address -1 (PCI_BAR_UNMAPPED) while the region does not decode.
 */
final class PciDeviceInfoJson {
    /** The id members of a function: vendor, device, and for a type 0 header the subsystem ids (else -1). */
    record Ids(int vendor, int device, int subsystemVendor, int subsystem) {}

    private PciDeviceInfoJson() {}

    /** Adds a device to {@code list} and returns it with an empty regions array. */
    static ObjectNode add(ArrayNode list, int bus, int slot, int function, int classCode, Ids ids, int pin, int irq, String qdevId) {
        ObjectNode d = list.addObject().put("bus", bus).put("slot", slot).put("function", function);
        ObjectNode classInfo = d.putObject("class_info").put("class", classCode);
        QemuClassNames.desc(classCode).ifPresent(desc -> classInfo.put("desc", desc));
        ObjectNode id = d.putObject("id").put("vendor", ids.vendor()).put("device", ids.device());
        if (ids.subsystem() >= 0) id.put("subsystem", ids.subsystem()).put("subsystem-vendor", ids.subsystemVendor());
        d.put("irq_pin", pin);
        if (pin != 0) d.put("irq", irq);
        d.put("qdev_id", qdevId);
        d.putArray("regions");
        return d;
    }

    /** A BAR (0-5): type io or memory, and for memory prefetch and mem_type_64. */
    static void bar(ObjectNode device, int bar, boolean io, long address, long size, boolean prefetch, boolean mem64) {
        ObjectNode r = ((ArrayNode) device.get("regions")).addObject().put("bar", bar).put("type", io ? "io" : "memory")
                .put("address", address).put("size", size);
        if (!io) r.put("prefetch", prefetch).put("mem_type_64", mem64);
    }

    /** The expansion ROM, QEMU's bar 6 (PCI_ROM_SLOT), a 32-bit memory region. */
    static void rom(ObjectNode device, long address, long size, boolean prefetch) {
        bar(device, 6, false, address, size, prefetch, false);
    }
}
