package vdm.qmp.model;

import static vdm.qmp.Arg.member;
import static vdm.qmp.Arg.optionalMember;

import java.util.ArrayList;
import java.util.List;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ObjectType;
import vdm.qmp.QmpEventType;

/**
 * query-pci's reply types exactly as QEMU 7.2's qapi/pci.json declares them (PciInfo, PciDeviceInfo with irq_pin
 * since 5.1, ...): both the main socket's host view and a guest socket's bus answer {@link #PCI_INFO_LIST}. Also
 * device_del's DEVICE_DELETED (qapi/qdev.json).
 */
public final class PciInfoTypes {
    private PciInfoTypes() {}

    private static final ArgType INT = ArgType.INTEGER;
    private static final ArgType STR = ArgType.STRING;
    private static final ArgType BOOL = ArgType.BOOLEAN;

    public static final ObjectType PCI_MEMORY_RANGE = ObjectType.of("PciMemoryRange", member("base", INT), member("limit", INT));
    public static final ObjectType PCI_BUS_INFO = ObjectType.of("PciBusInfo", member("number", INT),
            member("secondary", INT), member("subordinate", INT), member("io_range", PCI_MEMORY_RANGE),
            member("memory_range", PCI_MEMORY_RANGE), member("prefetchable_range", PCI_MEMORY_RANGE));
    public static final ObjectType PCI_DEVICE_CLASS = ObjectType.of("PciDeviceClass", optionalMember("desc", STR),
            member("class", INT));
    public static final ObjectType PCI_DEVICE_ID = ObjectType.of("PciDeviceId", member("device", INT),
            member("vendor", INT), optionalMember("subsystem", INT), optionalMember("subsystem-vendor", INT));
    public static final ObjectType PCI_MEMORY_REGION = ObjectType.of("PciMemoryRegion", member("bar", INT),
            member("type", STR), member("address", INT), member("size", INT), optionalMember("prefetch", BOOL),
            optionalMember("mem_type_64", BOOL));

    public static final ObjectType PCI_DEVICE_INFO = ObjectType.declare("PciDeviceInfo");
    public static final ObjectType PCI_BRIDGE_INFO = bridge("PciBridgeInfo", PCI_DEVICE_INFO);
    public static final ObjectType PCI_INFO = deviceInfo(PCI_DEVICE_INFO, PCI_BRIDGE_INFO, "PciInfo");
    /** query-pci's 'returns': ['PciInfo']. */
    public static final ArgType PCI_INFO_LIST = ArgType.listOf(PCI_INFO);

    /** DEVICE_DELETED: {device?, path} (qapi/qdev.json). */
    public static final QmpEventType DEVICE_DELETED = new QmpEventType("DEVICE_DELETED",
            ObjectType.of("q_obj_DEVICE_DELETED-arg", optionalMember("device", STR), member("path", STR)));

    private static ObjectType bridge(String name, ObjectType device) {
        return ObjectType.of(name, member("bus", PCI_BUS_INFO), optionalMember("devices", ArgType.listOf(device)));
    }

    /** Defines {@code device} as PciDeviceInfo and returns the PciInfo around it. */
    private static ObjectType deviceInfo(ObjectType device, ObjectType bridge, String infoName) {
        List<Arg> members = new ArrayList<>(List.of(member("bus", INT), member("slot", INT), member("function", INT),
                member("class_info", PCI_DEVICE_CLASS), member("id", PCI_DEVICE_ID), optionalMember("irq", INT),
                member("irq_pin", INT), member("qdev_id", STR), optionalMember("pci_bridge", bridge),
                member("regions", ArgType.listOf(PCI_MEMORY_REGION))));
        device.define(members);
        return ObjectType.of(infoName, member("bus", INT), member("devices", ArgType.listOf(device)));
    }
}
