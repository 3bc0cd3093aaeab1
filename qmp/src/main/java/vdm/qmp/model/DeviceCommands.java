package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.Vdm;
import vdm.pci.Sbdf;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.ErrorClass;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.toolstack.AttachResult;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.XenPtDevice;

/**
 * QEMU's device_add and device_del for driver xen-pci-passthrough, and query-pci: the devices a guest is given,
 * named by their qdev id, which the model keeps ({@link QdevIds}).
 */
final class DeviceCommands {
    private final Model model;

    private DeviceCommands(Model model) {
        this.model = model;
    }

    static void register(CommandRegistry registry, Model model) {
        DeviceCommands c = new DeviceCommands(model);
        registry.register(QmpCommand.of("device_add", "Adds a device; driver xen-pci-passthrough attaches a host PCI function to a guest",
                ArgumentSchema.open(Arg.required("driver", ArgType.STRING, "the device model: xen-pci-passthrough"),
                        Arg.optional("id", ArgType.STRING, "the device id, for device_del"),
                        Arg.optional("bus", ArgType.STRING, "ignored (the guest's root bus)")),
                Execution.MODEL, c::deviceAdd));
        registry.register(QmpCommand.of("device_del", "Detaches a device; DEVICE_DELETED follows when it is gone",
                ArgumentSchema.of(Arg.required("id", ArgType.STRING, "the id given to device_add")), Execution.MODEL, c::deviceDel));
        registry.register(QmpCommand.of("query-pci", "The host's PCI functions in QEMU's shape (QAPI's PciInfo)",
                ArgumentSchema.NONE, Execution.MODEL, call -> QueryPci.of(c.vdm())));
        PciOwnersCommand.register(registry, model);
    }

    private Vdm vdm() {
        return model.vdm();
    }

    /** qdev_device_add: the driver and its properties are checked (QEMU's texts), then libxl attaches the device. */
    private JsonNode deviceAdd(CommandCall call) throws QmpError {
        String driver = call.arguments().string("driver");
        if (!driver.equals(PassthroughCommands.DRIVER)) throw QmpError.generic("'" + driver + "' is not a valid device model name");
        ObjectNode extra = call.arguments().extra();
        for (var it = extra.fieldNames(); it.hasNext(); ) {
            String p = it.next();
            if (!p.equals("hostaddr") && !p.equals("domain") && !p.equals("addr")) {
                throw QmpError.generic("Property '" + driver + "." + p + "' not found");
            }
        }
        String id = call.arguments().optionalString("id").orElse(null);
        if (id != null && QdevIds.find(vdm(), id) != null) throw QmpError.generic("Duplicate device ID '" + id + "'");
        if (!extra.has("hostaddr")) throw QmpError.generic("Parameter 'hostaddr' is missing");
        if (!extra.has("domain")) throw QmpError.generic("Parameter 'domain' is missing");
        if (!extra.get("hostaddr").isTextual()) throw QmpError.generic("Invalid parameter type for 'hostaddr', expected: string");
        if (!extra.get("domain").canConvertToInt()) throw QmpError.generic("Invalid parameter type for 'domain', expected: integer");
        Sbdf host = HostAddress.parse(extra.get("hostaddr").textValue(), "hostaddr");
        int domid = extra.get("domain").intValue();
        int slot;
        if (extra.has("addr") && extra.get("addr").canConvertToInt()) {
            slot = extra.get("addr").intValue();
        } else {
            // QEMU's do_pci_register_device: the first slot whose function 0 is free on the guest's bus.
            slot = GuestPciBus.firstFreeSlot(vdm().libxl().devices(domid)).orElseThrow(() -> QmpError.generic(GuestPciBus.NO_SLOT));
        }
        AttachResult r = vdm().libxl().pciAttach(domid, host, slot, id);
        if (!r.ok()) throw ModelRefusal.of("xen-pci-passthrough: " + r.step(), r.rc(), r.message());
        return null;
    }

    /** qmp_device_del: as QEMU, the reply comes first; the removal completes afterwards and DEVICE_DELETED announces it. */
    private JsonNode deviceDel(CommandCall call) throws QmpError {
        String id = call.arguments().string("id");
        if (QdevIds.find(vdm(), id) == null) throw new QmpError(ErrorClass.DeviceNotFound, "Device '" + id + "' not found");
        if (!model.startUnplug(id)) throw QmpError.generic("Device " + id + " is already in the process of unplug");
        call.afterReply(() -> call.server().modelExecutor().execute(() -> {
            XenPtDevice pt = QdevIds.find(vdm(), id);
            if (pt != null) vdm().libxl().pciDetach(pt.guest().id(), pt.hostAddress());
            model.unplugDone(id);
            ObjectNode data = PassthroughCommands.JSON.objectNode().put("device", id).put("path", "/machine/peripheral/" + id);
            call.events().emit("DEVICE_DELETED", data);
        }));
        return null;
    }
}
