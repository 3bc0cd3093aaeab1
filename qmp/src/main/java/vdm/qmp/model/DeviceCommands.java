package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
import vdm.qmp.QmpEvents;
import vdm.toolstack.AttachResult;
import vdm.toolstack.GuestEject;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.Libxl;
import vdm.toolstack.XenPtDevice;

/**
 * QEMU's device_add and device_del for driver xen-pci-passthrough, and query-pci: the devices a guest is given,
 * named by their qdev id, which the model keeps ({@link QdevIds}). On the main socket device_add names the guest
 * ({@code domain}); on a guest's own socket ({@link LibxlSockets}, one QEMU per domain) the commands act on that guest
 * and take exactly xen_pt's properties ({@code hostaddr}, {@code permissive}) and qdev's ({@code id}, {@code bus},
 * {@code addr}).
 */
final class DeviceCommands {
    private final Model model;
    /** The guest whose QEMU this is, or null on the main socket (device_add names the domain). */
    private final Integer domid;

    private DeviceCommands(Model model, Integer domid) {
        this.model = model;
        this.domid = domid;
    }

    static void register(CommandRegistry registry, Model model) {
        DeviceCommands c = new DeviceCommands(model, null);
        c.registerOn(registry, "Adds a device; driver xen-pci-passthrough attaches a host PCI function to a guest",
                "Detaches a device; DEVICE_DELETED follows when it is gone",
                "The host's PCI functions in QEMU's shape (QAPI's PciInfo)", () -> QueryPci.of(c.vdm()));
        PciOwnersCommand.register(registry, model);
    }

    /** The device model commands of guest {@code domid}'s own QMP socket: they act on that guest only. */
    static void registerForDomain(CommandRegistry registry, Model model, int domid) {
        DeviceCommands c = new DeviceCommands(model, domid);
        c.registerOn(registry, "Adds a device to this guest: driver xen-pci-passthrough, hostaddr, permissive, addr",
                "Asks this guest to give a device up; DEVICE_DELETED follows when it ejects it",
                "This guest's PCI bus, as its QEMU answers", () -> QueryPci.guest(c.vdm(), domid));
    }

    /** device_add, device_del and query-pci with QEMU's argument and reply types (qapi/qdev.json, qapi/pci.json). */
    private void registerOn(CommandRegistry registry, String add, String del, String pci,
                            java.util.function.Supplier<JsonNode> queryPci) {
        registry.register(QmpCommand.of("device_add", add,
                ArgumentSchema.open(Arg.required("driver", ArgType.STRING, "the device model: xen-pci-passthrough"),
                        Arg.optional("bus", ArgType.STRING, "ignored (the guest's root bus)"),
                        Arg.optional("id", ArgType.STRING, "the device id, for device_del")),
                Execution.MODEL, this::deviceAdd).returning(vdm.qmp.ObjectType.EMPTY));
        registry.register(QmpCommand.of("device_del", del,
                ArgumentSchema.of(Arg.required("id", ArgType.STRING, "the id given to device_add")), Execution.MODEL, this::deviceDel)
                .returning(vdm.qmp.ObjectType.EMPTY).emitting(PciInfoTypes.DEVICE_DELETED));
        registry.register(QmpCommand.of("query-pci", pci, ArgumentSchema.NONE, Execution.MODEL, call -> queryPci.get())
                .returning(PciInfoTypes.PCI_INFO_LIST));
    }

    private Vdm vdm() {
        return model.vdm();
    }

    /** The device named {@code id} in this QEMU: any guest's on the main socket, this guest's on its own. */
    private XenPtDevice find(String id) {
        XenPtDevice p = QdevIds.find(vdm(), id);
        return p == null || domid == null || p.guest().id() == domid ? p : null;
    }

    /** qdev_device_add: the driver and its properties are checked (QEMU's texts), then libxl attaches the device. */
    private JsonNode deviceAdd(CommandCall call) throws QmpError {
        String driver = call.arguments().string("driver");
        if (!driver.equals(PassthroughCommands.DRIVER)) throw QmpError.generic("'" + driver + "' is not a valid device model name");
        ObjectNode extra = call.arguments().extra();
        for (var it = extra.fieldNames(); it.hasNext(); ) {
            String p = it.next();
            boolean known = p.equals("hostaddr") || p.equals("addr") || p.equals("permissive") || (domid == null && p.equals("domain"));
            if (!known) throw QmpError.generic("Property '" + driver + "." + p + "' not found");
        }
        String id = call.arguments().optionalString("id").orElse(null);
        if (id != null && find(id) != null) throw QmpError.generic("Duplicate device ID '" + id + "'");
        if (!extra.has("hostaddr")) throw QmpError.generic("Parameter 'hostaddr' is missing");
        if (domid == null && !extra.has("domain")) throw QmpError.generic("Parameter 'domain' is missing");
        if (!extra.get("hostaddr").isTextual()) throw QmpError.generic("Invalid parameter type for 'hostaddr', expected: string");
        // the main socket's own property, typed and ranged as a declared argument would be (1.5 is not domain 1)
        if (domid == null) DomainCommands.DOMID.check(extra.get("domain"), "domain", "domain");
        Sbdf host = HostAddress.property(extra.get("hostaddr").textValue(), driver);
        int guest = domid != null ? domid : extra.get("domain").intValue();
        boolean permissive = extra.has("permissive") && permissive(extra.get("permissive"));
        int slot;
        JsonNode addr = extra.get("addr");
        if (addr != null && !addr.isNull()) {
            int devfn = PciDevfn.parse(addr, driver);
            slot = devfn >>> 3;
            if ((devfn & 7) != 0) {
                throw QmpError.generic("vdm puts a passed-through device at function 0 only; addr '" + addr.asText() + "' asks for function " + (devfn & 7));
            }
            String user = slotUser(guest, slot);
            if (user != null) {
                throw QmpError.generic("PCI: slot " + slot + " function 0 not available for " + driver + ", in use by " + user);
            }
        } else {
            // QEMU's do_pci_register_device: the first slot whose function 0 is free on the guest's bus.
            slot = GuestPciBus.firstFreeSlot(vdm().libxl().devices(guest)).orElseThrow(() -> QmpError.generic(GuestPciBus.NO_SLOT));
        }
        AttachResult r = vdm().libxl().pciAttach(guest, host, slot, id, permissive);
        if (!r.ok()) throw ModelRefusal.of("xen-pci-passthrough: " + r.step(), r.rc(), r.message());
        return null;
    }

    /** qdev's bool property: JSON true/false, or QEMU's words for it (qapi_bool_parse). */
    private static boolean permissive(JsonNode v) throws QmpError {
        if (v.isBoolean()) return v.booleanValue();
        if (v.isTextual()) {
            switch (v.textValue()) {
                case "on", "yes", "true", "y" -> { return true; }
                case "off", "no", "false", "n" -> { return false; }
                default -> { }
            }
        }
        throw QmpError.generic("Parameter 'permissive' expects 'on' or 'off'");
    }

    /** Who holds function 0 of {@code slot} on the guest's bus, as QEMU names it ("TYPE,id=ID"), or null. */
    private String slotUser(int guest, int slot) {
        for (GuestPciBus.EmulatedFunction f : GuestPciBus.XENFV) {
            if (f.devfn() == slot << 3) return f.name() + ",id=(null)";
        }
        for (XenPtDevice p : vdm().libxl().devices(guest)) {
            if (p.guestSlot() == slot) return PassthroughCommands.DRIVER + ",id=" + QdevIds.of(p);
        }
        return null;
    }

    /**
     * qmp_device_del: as QEMU, the reply comes first. The request goes to the guest (ACPI hotplug,
     * acpi_pcihp_device_unplug_request_cb); the guest ejects at once, later or never ({@link GuestEject}), and only
     * its eject detaches the device and sends DEVICE_DELETED. That is the model's work from here on: it runs on the
     * model executor whether or not the client reads its reply, and after this reply is queued, so on the asking
     * connection the reply precedes the event.
     */
    private JsonNode deviceDel(CommandCall call) throws QmpError {
        String id = call.arguments().string("id");
        XenPtDevice pt = find(id);
        if (pt == null) throw new QmpError(ErrorClass.DeviceNotFound, "Device '" + id + "' not found");
        Vdm at = vdm();
        Libxl libxl = at.libxl();
        int guest = pt.guest().id();
        Sbdf host = pt.hostAddress();
        if (!libxl.hotplug().request(guest, host)) throw QmpError.generic("Device " + id + " is already in the process of unplug");
        GuestEject eject = libxl.hotplug().policy(guest);
        QmpEvents asking = call.events();
        Runnable ejected = () -> {
            if (model.vdm() != at || !libxl.hotplug().isPending(host)) return; // replaced, or the domain went first
            libxl.pciDetach(guest, host);
            ObjectNode data = PassthroughCommands.JSON.objectNode().put("device", id).put("path", "/machine/peripheral/" + id);
            // The guest's QEMU announces it on its own socket, and vdm's main socket hears of it too; the main bus is
            // the server itself, not the main listener a call sees, so the asking bus decides which the other one is.
            QmpEvents domainBus = model.domainEvents(guest).orElse(null);
            asking.emit("DEVICE_DELETED", data);
            if (asking == domainBus) call.server().events().emit("DEVICE_DELETED", data);
            else if (domainBus != null) domainBus.emit("DEVICE_DELETED", data);
        };
        try {
            switch (eject.kind()) {
                case AT_ONCE -> call.server().modelExecutor().execute(ejected);
                case AFTER -> CompletableFuture.delayedExecutor(eject.delay().toNanos(), TimeUnit.NANOSECONDS,
                        call.server().modelExecutor()).execute(ejected);
                case NEVER -> { } // pending until the domain is destroyed
            }
        } catch (RejectedExecutionException stopping) {
            // the server is stopping: nobody is left to hear of the eject
        }
        return null;
    }
}
