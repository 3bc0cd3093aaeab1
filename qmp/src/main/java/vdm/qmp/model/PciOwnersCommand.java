package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import vdm.Vdm;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.toolstack.XenPtDevice;

/**
 * x-vdm-pci-owners: who holds each host function and the GSI its INTx is routed to, what query-pci cannot carry
 * (QAPI's PciDeviceInfo has no such members). One entry per host function, in the host's order: {@code sbdf},
 * {@code owner} ("dom0" for dom0's own driver, "pciback" while xen-pciback holds it assignable, "dN" while domain N
 * has it passed through) and {@code gsi} when the function's interrupt is routed.
 */
final class PciOwnersCommand {
    private PciOwnersCommand() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-pci-owners", "Who holds each host PCI function (dom0, pciback, dN) and its routed GSI",
                ArgumentSchema.NONE, Execution.MODEL, call -> owners(model.vdm())));
    }

    static ArrayNode owners(Vdm vdm) {
        ArrayNode out = PassthroughCommands.JSON.arrayNode();
        for (PhysicalFunction f : vdm.host().functions()) {
            XenPtDevice pt = vdm.libxl().device(f.sbdf());
            String owner = pt != null ? "d" + pt.guest().id() : vdm.kernel().pciback().holds(f.sbdf()) ? "pciback" : "dom0";
            var entry = out.addObject().put("sbdf", f.sbdf().toString()).put("owner", owner);
            vdm.host().route(f.sbdf()).map(IntxRoute::gsi).filter(g -> g >= 0).ifPresent(g -> entry.put("gsi", g));
        }
        return out;
    }
}
