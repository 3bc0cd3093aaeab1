package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.errno.Errno;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.pci.Sbdf;
import vdm.toolstack.GuestEject;
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;

/** Guests, as xl create / xl destroy / xl list make and show them (x-vdm-domain-*). */
final class DomainCommands {
    /**
     * A domain id as a command names one: an ordinary domain's, below DOMID_FIRST_RESERVED (0x7FF0,
     * xen/include/public/xen.h; domid_t is 16 bits), so 4294967297 is refused rather than read as domain 1.
     */
    static final ArgType DOMID = ArgType.range(0, 0x7fef);
    /** How long a guest may take to eject (x-vdm-guest-eject after): up to an hour. */
    private static final ArgType DELAY_MS = ArgType.range(0, 3_600_000);
    /** vCPUs of a new guest, as the model sizes its local APICs: 1 to 128. */
    private static final ArgType VCPUS = ArgType.range(1, 128);

    private DomainCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-domain-create", "Creates an HVM guest; returns {domid}",
                ArgumentSchema.of(Arg.optional("vcpus", VCPUS, "vCPUs (default 1)")), Execution.MODEL,
                call -> create(model, call)));
        registry.register(QmpCommand.of("x-vdm-domain-destroy", "Destroys a guest, detaching its devices first",
                ArgumentSchema.of(Arg.required("domid", DOMID, "the guest")), Execution.MODEL,
                call -> destroy(model, call)));
        registry.register(QmpCommand.of("x-vdm-domain-list", "Lists the domains with their kind and devices",
                ArgumentSchema.NONE, Execution.MODEL, call -> list(model)));
        registry.register(QmpCommand.of("x-vdm-guest-eject", "Sets how a guest answers device_del: ejects at once (default), after a delay, or never",
                ArgumentSchema.of(Arg.required("domid", DOMID, "the guest"),
                        Arg.required("eject", ArgType.STRING, "at-once, after or never"),
                        Arg.optional("delay-ms", DELAY_MS, "with after: milliseconds until the guest ejects")),
                Execution.MODEL, call -> eject(model, call)));
    }

    /** The guest's ACPI hotplug behaviour (GuestEject), for the device_del requests it gets from now on. */
    private static JsonNode eject(Model model, CommandCall call) throws QmpError {
        int domid = (int) call.arguments().integer("domid");
        Domain d = model.vdm().xen().domain(domid);
        if (d == null || d.isHardwareDomain()) throw QmpError.generic("Parameter 'domid' names no guest: " + domid);
        String how = call.arguments().string("eject");
        if (!java.util.List.of("at-once", "after", "never").contains(how)) {
            throw QmpError.generic("Parameter 'eject' does not accept value '" + how + "'");
        }
        boolean delayed = how.equals("after");
        if (call.arguments().has("delay-ms") != delayed) {
            throw QmpError.generic(delayed ? "Parameter 'delay-ms' is missing" : "Parameter 'delay-ms' goes with eject 'after' only");
        }
        GuestEject e;
        if (delayed) {
            long ms = call.arguments().integer("delay-ms");
            e = GuestEject.after(java.time.Duration.ofMillis(ms));
        } else {
            e = how.equals("never") ? GuestEject.NEVER : GuestEject.AT_ONCE;
        }
        model.vdm().libxl().hotplug().policy(domid, e);
        return null;
    }

    private static JsonNode create(Model model, CommandCall call) throws QmpError {
        long vcpus = call.arguments().has("vcpus") ? call.arguments().integer("vcpus") : 1;
        return PassthroughCommands.JSON.objectNode().put("domid", model.vdm().libxl().domainCreate((int) vcpus));
    }

    /** The guest's devices are detached first (libxl's domain destroy), and their ids go with them. */
    private static JsonNode destroy(Model model, CommandCall call) throws QmpError {
        int domid = (int) call.arguments().integer("domid");
        int rc = model.vdm().libxl().domainDestroy(domid);
        if (rc != 0) throw ModelRefusal.of("domain destroy d" + domid, rc, Errno.text(rc));
        return null;
    }

    private static JsonNode list(Model model) {
        ArrayNode out = PassthroughCommands.JSON.arrayNode();
        for (Domain d : model.vdm().xen().domains()) {
            ObjectNode o = out.addObject().put("domid", d.id()).put("kind", d.kind().name().toLowerCase())
                    .put("hardware-domain", d.isHardwareDomain()).put("vcpus", d.vcpuCount());
            ArrayNode devs = o.putArray("devices");
            for (XenPtDevice p : model.vdm().libxl().devices(d.id())) devs.add(p.hostAddress().toString());
            if (d.isHardwareDomain()) continue;
            o.put("guest-eject", model.vdm().libxl().hotplug().policy(d.id()).describe());
            ArrayNode pending = o.putArray("unplug-pending");
            for (Sbdf s : model.vdm().libxl().hotplug().pending(d.id())) {
                XenPtDevice p = model.vdm().libxl().device(s);
                if (p != null) pending.add(QdevIds.of(p));
            }
        }
        return out;
    }
}
