package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.Vdm;
import vdm.host.MsiOutcome;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.pci.cap.Msi;
import vdm.pci.msi.MsiMessages;
import vdm.pci.msi.MsixTable;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.ErrorClass;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.xen.Domain;
import vdm.xen.MsiReceipts;

/**
 * A device raising an interrupt ({@code x-vdm-msi-fire}) and its MSI/MSI-X state as the hardware holds it
 * ({@code x-vdm-query-msi}), and what a domain's local APICs received ({@code x-vdm-query-msi-receipts}), so that a tool
 * can follow a fired vector to the domain it reached. QEMU 7.2's query-pci and info pci show nothing of MSI (qapi/pci.json PciDeviceInfo has
 * no such member; hmp_info_pci_device prints none), so this state has a query of vdm's own rather than invented
 * members in QEMU's.
 */
final class MsiCommands {
    private static final int FUNCTION_MASK = 0x4000; // PCI_MSIX_FLAGS_MASKALL in Message Control (pci_regs.h)

    /** An MSI-X table has at most 2048 entries (Table Size is 11 bits, PCI 3.0 6.8.2.3); MSI has at most 32 vectors. */
    private static final ArgType VECTOR = ArgType.range(0, 2047);

    private MsiCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-msi-fire", "The device raises MSI-X entry 'vector' if MSI-X is enabled, else MSI vector 'vector'",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                        Arg.required("vector", VECTOR, "MSI-X table entry, or MSI vector (0 .. enabled vectors - 1)")),
                Execution.MODEL, call -> fire(model.vdm(), call)));
        registry.register(QmpCommand.of("x-vdm-query-msi", "A device's MSI and MSI-X registers, table entries and pending bits as the hardware holds them",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F")),
                Execution.MODEL, call -> query(model.vdm(), call)));
        registry.register(QmpCommand.of("x-vdm-query-msi-receipts", "The vectors a domain's local APICs received by MSI: count and last destination of each",
                ArgumentSchema.of(Arg.required("domid", DomainCommands.DOMID, "the domain (0: dom0)")),
                Execution.MODEL, call -> receipts(model.vdm(), call)));
    }

    /**
     * A domain's {@link MsiReceipts}, as vmsi_deliver counted them into vlapic_set_irq: only the vectors that received
     * anything, each with its count and the APIC id of the vLAPIC that took the last one. Reading changes nothing.
     */
    private static JsonNode receipts(Vdm vdm, CommandCall call) throws QmpError {
        long domid = call.arguments().integer("domid");
        Domain d = domid == (int) domid ? vdm.xen().domain((int) domid) : null;
        if (d == null) {
            String known = String.join(", ", vdm.xen().domains().stream().map(x -> "d" + x.id()).toList());
            throw QmpError.generic("No domain with domid " + domid + " (domains: " + known + ")");
        }
        MsiReceipts got = d.msiReceipts();
        ObjectNode out = PassthroughCommands.JSON.objectNode().put("domid", d.id());
        ArrayNode vectors = out.putArray("vectors");
        long total = 0;
        for (int v = 0; v < MsiReceipts.VECTORS; v++) {
            long n = got.count(v);
            if (n == 0) continue;
            total += n;
            vectors.addObject().put("vector", v).put("count", n).put("destination", got.destination(v));
        }
        return out.put("total", total);
    }

    private static PhysicalFunction function(Vdm vdm, CommandCall call) throws QmpError {
        Sbdf s = HostAddress.parse(call.arguments().string("hostaddr"), "hostaddr");
        PhysicalFunction f = vdm.host().lookup(s.packed());
        if (f == null) throw new QmpError(ErrorClass.DeviceNotFound, "Device '" + s + "' not found");
        return f;
    }

    /**
     * MSI-X when its Enable bit is set (software enables one or the other, PCI 3.0 6.8), else MSI if the device has
     * it, else MSI-X (which then answers disabled). The library checks the index before anything happens (an entry
     * past the table, an MSI vector the function lacks or software did not enable): its refusal, which names the
     * device, the index and the range, is the error, and the device is as it was.
     */
    private static JsonNode fire(Vdm vdm, CommandCall call) throws QmpError {
        PhysicalFunction f = function(vdm, call);
        MsixTable msix = f.msixTable().orElse(null);
        MsiMessages msi = f.msi().orElse(null);
        if (msi == null && msix == null) {
            throw QmpError.generic("Device '" + f.sbdf() + "' has neither an MSI nor an MSI-X capability: it interrupts by INTx only");
        }
        long vector = call.arguments().integer("vector");
        boolean useMsix = msix != null && (msix.enabled() || msi == null);
        MsiOutcome outcome;
        try {
            outcome = useMsix ? f.fireMsix((int) vector) : f.fireMsi((int) vector);
        } catch (IllegalArgumentException e) {
            throw QmpError.generic(e.getMessage());
        }
        return PassthroughCommands.JSON.objectNode().put("capability", useMsix ? "MSI-X" : "MSI").put("vector", vector)
                .put("outcome", outcome.name().toLowerCase());
    }

    /** The library's views of the device side ({@link MsiMessages}, {@link MsixTable}); nothing is changed by reading. */
    private static JsonNode query(Vdm vdm, CommandCall call) throws QmpError {
        PhysicalFunction f = function(vdm, call);
        ObjectNode out = PassthroughCommands.JSON.objectNode();
        MsiMessages msi = f.msi().orElse(null);
        if (msi != null) {
            ObjectNode o = out.putObject("msi").put("offset", f.layout().capability(Msi.ID, false).offset())
                    .put("enabled", msi.enabled()).put("per-vector-mask", msi.perVectorMask())
                    .put("vectors", msi.capable()).put("enabled-vectors", msi.allocated());
            Unsigned.put(o, "address", msi.address());
            ArrayNode vectors = o.putArray("messages");
            // Only the allocated vectors have a message: vector k carries Message Data with its low MME bits set to k.
            for (int v = 0; v < Math.min(msi.allocated(), msi.capable()); v++) {
                vectors.addObject().put("vector", v).put("data", msi.data(v)).put("masked", msi.masked(v)).put("pending", msi.pending(v));
            }
        }
        MsixTable msix = f.msixTable().orElse(null);
        if (msix != null) {
            boolean functionMask = (f.read(msix.controlOffset(), 2) & FUNCTION_MASK) != 0;
            ObjectNode o = out.putObject("msix").put("offset", msix.controlOffset() - 2).put("enabled", msix.enabled())
                    .put("function-mask", functionMask).put("table-size", msix.size());
            o.putObject("table").put("bar", msix.tableBir()).put("offset", msix.tableOffset());
            o.putObject("pba").put("bar", msix.pbaBir()).put("offset", msix.pbaOffset());
            ArrayNode entries = o.putArray("entries");
            for (int i = 0; i < msix.size(); i++) {
                ObjectNode e = entries.addObject().put("entry", i);
                Unsigned.put(e, "address", msix.address(i)).put("data", Integer.toUnsignedLong(msix.data(i)))
                        .put("masked", msix.entryMasked(i)).put("pending", msix.pending(i));
            }
        }
        return out;
    }
}
