package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import vdm.Vdm;
import vdm.pci.Sbdf;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.pci.Effects;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.ErrorClass;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.scenario.Scenario;
import vdm.toolstack.AttachResult;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;
import vdm.errno.Errno;

/**
 * The passthrough commands: QEMU's {@code device_add}/{@code device_del} (driver xen-pci-passthrough) and
 * {@code query-pci}, and vdm's {@code x-vdm-*} commands for domains, assignable devices, config space as the
 * hardware, dom0 or a guest sees it, the IO-APICs, fixes and presets, and scenarios. Domain-level errors carry the
 * model's errno and log text in {@code desc}. Every handler runs on the model executor.
 */
public final class PassthroughCommands {
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    public static final String DRIVER = "xen-pci-passthrough";

    private final Model model;
    /** device_add ids -> host address; ids being unplugged. */
    private final Map<String, Sbdf> devices = new HashMap<>();
    private final Set<String> unplugging = new HashSet<>();

    private PassthroughCommands(Model model) {
        this.model = model;
    }

    /** Registers every passthrough command on {@code registry}. */
    public static void register(CommandRegistry registry, Model model) {
        PassthroughCommands c = new PassthroughCommands(model);
        registry.register(QmpCommand.of("device_add", "Adds a device; driver xen-pci-passthrough attaches a host PCI function to a guest",
                ArgumentSchema.open(Arg.required("driver", ArgType.STRING, "the device model: xen-pci-passthrough"),
                        Arg.optional("id", ArgType.STRING, "the device id, for device_del"),
                        Arg.optional("bus", ArgType.STRING, "ignored (the guest's root bus)")),
                Execution.MODEL, c::deviceAdd));
        registry.register(QmpCommand.of("device_del", "Detaches a device; DEVICE_DELETED follows when it is gone",
                ArgumentSchema.of(Arg.required("id", ArgType.STRING, "the id given to device_add")), Execution.MODEL, c::deviceDel));
        registry.register(QmpCommand.of("query-pci", "The host's PCI functions in QEMU's shape, with x-vdm-owner and x-vdm-gsi",
                ArgumentSchema.NONE, Execution.MODEL, call -> QueryPci.of(c.vdm(), c.devices)));
        registry.register(QmpCommand.of("x-vdm-domain-create", "Creates an HVM guest; returns {domid}",
                ArgumentSchema.of(Arg.optional("vcpus", ArgType.INTEGER, "vCPUs (default 1)")), Execution.MODEL, c::domainCreate));
        registry.register(QmpCommand.of("x-vdm-domain-destroy", "Destroys a guest, detaching its devices first",
                ArgumentSchema.of(Arg.required("domid", ArgType.INTEGER, "the guest")), Execution.MODEL, c::domainDestroy));
        registry.register(QmpCommand.of("x-vdm-domain-list", "Lists the domains with their kind and devices",
                ArgumentSchema.NONE, Execution.MODEL, c::domainList));
        registry.register(QmpCommand.of("x-vdm-assignable-add", "xl pci-assignable-add: pciback seizes the function",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F")), Execution.MODEL, c::assignableAdd));
        registry.register(QmpCommand.of("x-vdm-assignable-remove", "xl pci-assignable-remove",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                        Arg.optional("rebind", ArgType.BOOLEAN, "give it back to dom0's driver (default true)")),
                Execution.MODEL, c::assignableRemove));
        registry.register(QmpCommand.of("x-vdm-assignable-list", "xl pci-assignable-list", ArgumentSchema.NONE, Execution.MODEL,
                call -> { ArrayNode a = JSON.arrayNode(); c.vdm().libxl().pciAssignableList().forEach(s -> a.add(s.toString())); return a; }));
        ArgumentSchema configArgs = ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                Arg.required("offset", ArgType.INTEGER, "0..4095, aligned to size"), Arg.required("size", ArgType.INTEGER, "1, 2 or 4"),
                Arg.optional("view", ArgType.oneOf("ConfigView", "hardware", "dom0", "guest"), "who reads (default hardware)"));
        registry.register(QmpCommand.of("x-vdm-config-read", "Reads config space as the hardware, dom0 (through vPCI) or the guest sees it",
                configArgs, Execution.MODEL, call -> c.config(call, false)));
        registry.register(QmpCommand.of("x-vdm-config-write", "Writes config space as the hardware, dom0 or the guest; returns effects",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                        Arg.required("offset", ArgType.INTEGER, "0..4095"), Arg.required("size", ArgType.INTEGER, "1, 2 or 4"),
                        Arg.required("value", ArgType.INTEGER, "the value"),
                        Arg.optional("view", ArgType.oneOf("ConfigView", "hardware", "dom0", "guest"), "who writes (default hardware)")),
                Execution.MODEL, call -> c.config(call, true)));
        IoApicCommands.register(registry, c::vdm);
        registry.register(QmpCommand.of("x-vdm-fixes-get", "The preset and the four fixes in force", ArgumentSchema.NONE,
                Execution.MODEL, call -> c.fixes()));
        registry.register(QmpCommand.of("x-vdm-preset-set", "Reboots the model under a preset (broken, series-v4, upstream)",
                ArgumentSchema.of(Arg.required("preset", ArgType.oneOf("Preset", "broken", "series-v4", "upstream"), "the preset")),
                Execution.MODEL, c::presetSet));
        registry.register(QmpCommand.of("x-vdm-scenario-run", "Replays the passthrough flow in a fresh model; returns steps and trace",
                ArgumentSchema.of(Arg.optional("preset", ArgType.oneOf("Preset", "broken", "series-v4", "upstream"), "default: the current"),
                        Arg.optional("hostaddr", ArgType.STRING, "the device (default 0000:00:03.0)"),
                        Arg.optional("dom0", ArgType.oneOf("Dom0Kind", "pv", "pvh"), "default pvh")),
                Execution.MODEL, c::scenario));
        registry.register(QmpCommand.of("x-vdm-snapshot-save", "Saves the whole model: to a file, or returned as {snapshot}",
                ArgumentSchema.of(Arg.optional("file", ArgType.STRING, "where to write the document (default: return it)")),
                Execution.MODEL, c::snapshotSave));
        registry.register(QmpCommand.of("x-vdm-snapshot-load", "Replaces the model with a saved one (a file or a {snapshot} object)",
                ArgumentSchema.of(Arg.optional("file", ArgType.STRING, "a document written by x-vdm-snapshot-save"),
                        Arg.optional("snapshot", ArgType.OBJECT, "the document itself")),
                Execution.MODEL, c::snapshotLoad));
        registry.register(QmpCommand.of("human-monitor-command", "HMP: info pci, info pic, info irq",
                ArgumentSchema.of(Arg.required("command-line", ArgType.STRING, "the HMP command"),
                        Arg.optional("cpu-index", ArgType.INTEGER, "ignored")),
                Execution.MODEL, call -> JSON.textNode(Hmp.run(c.vdm(), c.devices, call.arguments().string("command-line")))));
    }

    Vdm vdm() {
        return model.vdm();
    }

    static Sbdf sbdf(String text, String param) throws QmpError {
        try {
            return Sbdf.parse(text);
        } catch (IllegalArgumentException e) {
            throw QmpError.generic("Parameter '" + param + "' expects a PCI address SSSS:BB:DD.F: " + e.getMessage());
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PassthroughCommands.class);

    /** A refused model operation: logged as a warning, answered with its errno and log text. */
    private static QmpError domainError(String what, int rc, String text) {
        log.warn("refused: {}: {}{}", what, Errno.name(rc), text == null || text.isEmpty() ? "" : " (" + text + ")");
        return QmpError.generic(what + ": " + Errno.name(rc) + (text == null || text.isEmpty() ? "" : " (" + text + ")"));
    }

    // ---- device_add / device_del

    private JsonNode deviceAdd(CommandCall call) throws QmpError {
        String driver = call.arguments().string("driver");
        if (!driver.equals(DRIVER)) throw QmpError.generic("'" + driver + "' is not a valid device model name");
        ObjectNode extra = call.arguments().extra();
        for (var it = extra.fieldNames(); it.hasNext(); ) {
            String p = it.next();
            if (!p.equals("hostaddr") && !p.equals("domain") && !p.equals("addr")) {
                throw QmpError.generic("Property '" + driver + "." + p + "' not found");
            }
        }
        String id = call.arguments().optionalString("id").orElse(null);
        if (id != null && devices.containsKey(id)) throw QmpError.generic("Duplicate device ID '" + id + "'");
        if (!extra.has("hostaddr")) throw QmpError.generic("Parameter 'hostaddr' is missing");
        if (!extra.has("domain")) throw QmpError.generic("Parameter 'domain' is missing");
        if (!extra.get("hostaddr").isTextual()) throw QmpError.generic("Invalid parameter type for 'hostaddr', expected: string");
        if (!extra.get("domain").canConvertToInt()) throw QmpError.generic("Invalid parameter type for 'domain', expected: integer");
        Sbdf host = sbdf(extra.get("hostaddr").textValue(), "hostaddr");
        int domid = extra.get("domain").intValue();
        int slot = extra.has("addr") && extra.get("addr").canConvertToInt() ? extra.get("addr").intValue() : freeSlot(domid);
        AttachResult r = vdm().libxl().pciAttach(domid, host, slot);
        if (!r.ok()) throw domainError("xen-pci-passthrough: " + r.step(), r.rc(), r.message());
        devices.put(id != null ? id : "vdm-" + host, host);
        return null;
    }

    private int freeSlot(int domid) {
        Set<Integer> used = new HashSet<>();
        for (XenPtDevice p : vdm().libxl().devices(domid)) used.add(p.guestSlot());
        for (int s = 3; s < 32; s++) if (!used.contains(s)) return s;
        return 31;
    }

    private JsonNode deviceDel(CommandCall call) throws QmpError {
        String id = call.arguments().string("id");
        Sbdf host = devices.get(id);
        if (host == null) throw new QmpError(ErrorClass.DeviceNotFound, "Device '" + id + "' not found");
        if (!unplugging.add(id)) throw QmpError.generic("Device " + id + " is already in the process of unplug");
        // As QEMU: the reply comes first; the removal completes afterwards and DEVICE_DELETED announces it.
        call.afterReply(() -> call.server().modelExecutor().execute(() -> {
            XenPtDevice pt = vdm().libxl().device(host);
            if (pt != null) vdm().libxl().pciDetach(pt.guest().id(), host);
            devices.remove(id);
            unplugging.remove(id);
            ObjectNode data = JSON.objectNode().put("device", id).put("path", "/machine/peripheral/" + id);
            call.events().emit("DEVICE_DELETED", data);
        }));
        return null;
    }

    // ---- domains and assignable devices

    private JsonNode domainCreate(CommandCall call) throws QmpError {
        long vcpus = call.arguments().has("vcpus") ? call.arguments().integer("vcpus") : 1;
        if (vcpus < 1 || vcpus > 128) throw QmpError.generic("Parameter 'vcpus' expects a value from 1 to 128");
        return JSON.objectNode().put("domid", vdm().libxl().domainCreate((int) vcpus));
    }

    private JsonNode domainDestroy(CommandCall call) throws QmpError {
        int domid = (int) call.arguments().integer("domid");
        int rc = vdm().libxl().domainDestroy(domid);
        if (rc != 0) throw domainError("domain destroy d" + domid, rc, Errno.text(rc));
        devices.values().removeIf(s -> vdm().libxl().device(s) == null);
        return null;
    }

    private JsonNode domainList(CommandCall call) {
        ArrayNode out = JSON.arrayNode();
        for (Domain d : vdm().xen().domains()) {
            ObjectNode o = out.addObject().put("domid", d.id()).put("kind", d.kind().name().toLowerCase())
                    .put("hardware-domain", d.isHardwareDomain()).put("vcpus", d.vcpuCount());
            ArrayNode devs = o.putArray("devices");
            for (XenPtDevice p : vdm().libxl().devices(d.id())) devs.add(p.hostAddress().toString());
        }
        return out;
    }

    private JsonNode assignableAdd(CommandCall call) throws QmpError {
        Sbdf s = sbdf(call.arguments().string("hostaddr"), "hostaddr");
        int rc = vdm().libxl().pciAssignableAdd(s);
        if (rc != 0) throw domainError("pci-assignable-add " + s, rc, Errno.text(rc));
        return null;
    }

    private JsonNode assignableRemove(CommandCall call) throws QmpError {
        Sbdf s = sbdf(call.arguments().string("hostaddr"), "hostaddr");
        int rc = vdm().libxl().pciAssignableRemove(s, call.arguments().bool("rebind", true));
        if (rc != 0) throw domainError("pci-assignable-remove " + s, rc, Errno.text(rc));
        return null;
    }

    // ---- config space

    private JsonNode config(CommandCall call, boolean write) throws QmpError {
        Sbdf s = sbdf(call.arguments().string("hostaddr"), "hostaddr");
        if (vdm().host().lookup(s.packed()) == null) throw new QmpError(ErrorClass.DeviceNotFound, "Device '" + s + "' not found");
        long offset = call.arguments().integer("offset"), size = call.arguments().integer("size");
        String view = call.arguments().optionalString("view").orElse("hardware");
        int value = write ? (int) call.arguments().integer("value") : 0;
        try {
            vdm.pci.Access.check((int) offset, (int) size);
            if (offset != (int) offset || size != (int) size) throw new vdm.pci.ConfigAccessException((int) offset, (int) size, "out of range");
            switch (view) {
                case "dom0" -> {
                    if (write) { vdm().kernel().cfgWrite(s, (int) offset, (int) size, value); return null; }
                    return JSON.objectNode().put("value", Integer.toUnsignedLong(vdm().kernel().cfgRead(s, (int) offset, (int) size)));
                }
                case "guest" -> {
                    XenPtDevice pt = vdm().libxl().device(s);
                    if (pt == null) throw new QmpError(ErrorClass.DeviceNotActive, "Device '" + s + "' is not attached to a guest");
                    if (write) { pt.guestWrite((int) offset, (int) size, value); return null; }
                    return JSON.objectNode().put("value", Integer.toUnsignedLong(pt.guestRead((int) offset, (int) size)));
                }
                default -> {
                    if (write) {
                        int eff = vdm().host().write(s, (int) offset, (int) size, value);
                        return JSON.objectNode().put("effects", Effects.describe(eff));
                    }
                    return JSON.objectNode().put("value", Integer.toUnsignedLong(vdm().host().read(s, (int) offset, (int) size)));
                }
            }
        } catch (vdm.pci.ConfigAccessException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    // ---- snapshots

    private JsonNode snapshotSave(CommandCall call) throws QmpError {
        String doc = vdm.persist.Snapshot.save(vdm());
        var file = call.arguments().optionalString("file");
        if (file.isPresent()) {
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of(file.get()), doc);
            } catch (java.io.IOException | RuntimeException e) {
                throw QmpError.generic("cannot write '" + file.get() + "': " + e.getMessage());
            }
            return null;
        }
        try {
            return JSON.objectNode().set("snapshot", new com.fasterxml.jackson.databind.ObjectMapper().readTree(doc));
        } catch (java.io.IOException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    private JsonNode snapshotLoad(CommandCall call) throws QmpError {
        var file = call.arguments().optionalString("file");
        boolean inline = call.arguments().has("snapshot");
        if (file.isPresent() == inline) throw QmpError.generic("give exactly one of 'file' and 'snapshot'");
        String doc;
        try {
            doc = file.isPresent() ? java.nio.file.Files.readString(java.nio.file.Path.of(file.get())) : call.arguments().get("snapshot").toString();
        } catch (java.io.IOException | RuntimeException e) {
            throw QmpError.generic("cannot read '" + file.orElse("") + "': " + e.getMessage());
        }
        Vdm loaded;
        try {
            loaded = Vdm.load(doc);
        } catch (IllegalArgumentException e) {
            throw domainError("snapshot load", -Errno.EINVAL, e.getMessage()); // the running model is untouched
        }
        model.replace(loaded);
        devices.clear();
        unplugging.clear();
        for (Sbdf s : loaded.libxl().attachedDevices()) devices.put("vdm-" + s, s);
        return null;
    }

    // ---- fixes, presets, scenarios

    private JsonNode fixes() {
        Fixes f = vdm().fixes();
        return JSON.objectNode().put("preset", model.preset().label()).put("reset-notification", f.resetNotification())
                .put("pvh-map-pirq", f.pvhMapPirq()).put("setup-gsi", f.setupGsi())
                .put("gsi-lookup", f.gsiLookup().name().toLowerCase().replace('_', '-'));
    }

    private JsonNode presetSet(CommandCall call) throws QmpError {
        Preset p = Preset.of(call.arguments().string("preset"));
        model.reboot(p);
        devices.clear();
        unplugging.clear();
        return fixes();
    }

    private JsonNode scenario(CommandCall call) throws QmpError {
        Preset p = call.arguments().optionalString("preset").map(Preset::of).orElse(model.preset());
        Sbdf s = sbdf(call.arguments().optionalString("hostaddr").orElse("0000:00:03.0"), "hostaddr");
        Domain.Kind k = call.arguments().optionalString("dom0").orElse("pvh").equals("pv") ? Domain.Kind.PV : Domain.Kind.PVH;
        Vdm.Builder b = (model.hostFile() == null ? Vdm.defaultHost() : Vdm.host(model.hostFile())).preset(p).dom0(k);
        Scenario.Result r;
        try {
            r = Scenario.run(b, s, p.label());
        } catch (IllegalArgumentException e) {
            throw QmpError.generic(e.getMessage());
        }
        ObjectNode out = JSON.objectNode().put("preset", p.label()).put("device", s.toString()).put("passed", r.passed());
        ArrayNode steps = out.putArray("steps");
        for (Scenario.Step st : r.steps()) {
            steps.addObject().put("step", st.name()).put("verdict", st.verdict().name().toLowerCase()).put("summary", st.summary());
        }
        ArrayNode trace = out.putArray("trace");
        for (var e : r.trace().events()) {
            trace.addObject().put("seq", e.seq()).put("source", e.source().name().toLowerCase()).put("step", e.step())
                    .put("verdict", e.verdict().name().toLowerCase()).put("message", e.message()).put("detail", e.detail());
        }
        return out;
    }
}
