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
import vdm.toolstack.XenPtDevice;
import vdm.xen.Domain;

/** Guests, as xl create / xl destroy / xl list make and show them (x-vdm-domain-*). */
final class DomainCommands {
    private DomainCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-domain-create", "Creates an HVM guest; returns {domid}",
                ArgumentSchema.of(Arg.optional("vcpus", ArgType.INTEGER, "vCPUs (default 1)")), Execution.MODEL,
                call -> create(model, call)));
        registry.register(QmpCommand.of("x-vdm-domain-destroy", "Destroys a guest, detaching its devices first",
                ArgumentSchema.of(Arg.required("domid", ArgType.INTEGER, "the guest")), Execution.MODEL,
                call -> destroy(model, call)));
        registry.register(QmpCommand.of("x-vdm-domain-list", "Lists the domains with their kind and devices",
                ArgumentSchema.NONE, Execution.MODEL, call -> list(model)));
    }

    private static JsonNode create(Model model, CommandCall call) throws QmpError {
        long vcpus = call.arguments().has("vcpus") ? call.arguments().integer("vcpus") : 1;
        if (vcpus < 1 || vcpus > 128) throw QmpError.generic("Parameter 'vcpus' expects a value from 1 to 128");
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
        }
        return out;
    }
}
