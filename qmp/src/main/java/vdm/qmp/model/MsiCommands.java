package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import vdm.Vdm;
import vdm.host.MsiOutcome;
import vdm.host.PhysicalFunction;
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

/**
 * A device raising an interrupt ({@code x-vdm-msi-fire}) and its MSI/MSI-X state as the hardware holds it
 * ({@code x-vdm-query-msi}). QEMU 7.2's query-pci and info pci show nothing of MSI (qapi/pci.json PciDeviceInfo has
 * no such member; hmp_info_pci_device prints none), so this state has a query of vdm's own rather than invented
 * members in QEMU's.
 */
final class MsiCommands {
    private MsiCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-msi-fire", "The device raises MSI-X entry 'vector' if MSI-X is enabled, else MSI vector 'vector'",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                        Arg.required("vector", ArgType.INTEGER, "MSI-X table entry, or MSI vector (0 .. enabled vectors - 1)")),
                Execution.MODEL, call -> fire(model.vdm(), call)));
        registry.register(QmpCommand.of("x-vdm-query-msi", "A device's MSI and MSI-X registers, table entries and pending bits as the hardware holds them",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F")),
                Execution.MODEL, call -> query(model.vdm(), call)));
    }

    private static PhysicalFunction function(Vdm vdm, CommandCall call) throws QmpError {
        Sbdf s = HostAddress.parse(call.arguments().string("hostaddr"), "hostaddr");
        PhysicalFunction f = vdm.host().lookup(s.packed());
        if (f == null) throw new QmpError(ErrorClass.DeviceNotFound, "Device '" + s + "' not found");
        return f;
    }

    /**
     * MSI-X when its Enable bit is set (software enables one or the other, PCI 3.0 6.8), else MSI if the device has
     * it, else MSI-X (which then answers disabled). The index is checked against what the device can raise before
     * anything happens, so a refusal leaves the device as it was.
     */
    private static JsonNode fire(Vdm vdm, CommandCall call) throws QmpError {
        PhysicalFunction f = function(vdm, call);
        MsiRegisters.Msi msi = MsiRegisters.msi(f);
        MsiRegisters.MsiX msix = MsiRegisters.msix(f);
        if (msi == null && msix == null) {
            throw QmpError.generic("Device '" + f.sbdf() + "' has neither an MSI nor an MSI-X capability: it interrupts by INTx only");
        }
        long vector = call.arguments().integer("vector");
        boolean useMsix = msix != null && (msix.enabled() || msi == null);
        MsiOutcome outcome;
        if (useMsix) {
            if (vector < 0 || vector >= msix.tableSize()) {
                throw QmpError.generic(String.format("MSI-X entry %d of device '%s' is out of range: its table has %d entries (0..%d)",
                        vector, f.sbdf(), msix.tableSize(), msix.tableSize() - 1));
            }
            outcome = f.fireMsix((int) vector);
        } else {
            if (vector < 0 || vector >= msi.allocatedVectors()) {
                throw QmpError.generic(String.format("MSI vector %d of device '%s' is out of range: Multiple Message Enable allows %d "
                        + "of its %d (0..%d)", vector, f.sbdf(), msi.allocatedVectors(), msi.capableVectors(), msi.allocatedVectors() - 1));
            }
            outcome = f.fireMsi((int) vector);
        }
        return PassthroughCommands.JSON.objectNode().put("capability", useMsix ? "MSI-X" : "MSI").put("vector", vector)
                .put("outcome", outcome.name().toLowerCase());
    }

    private static JsonNode query(Vdm vdm, CommandCall call) throws QmpError {
        PhysicalFunction f = function(vdm, call);
        ObjectNode out = PassthroughCommands.JSON.objectNode();
        MsiRegisters.Msi msi = MsiRegisters.msi(f);
        if (msi != null) {
            ObjectNode o = out.putObject("msi").put("offset", msi.offset()).put("enabled", msi.enabled())
                    .put("address-64", msi.address64()).put("per-vector-mask", msi.perVectorMask())
                    .put("vectors", msi.capableVectors()).put("enabled-vectors", msi.allocatedVectors());
            Unsigned.put(o, "address", msi.address()).put("data", msi.data());
            if (msi.perVectorMask()) o.put("mask", Integer.toUnsignedLong(msi.mask())).put("pending", Integer.toUnsignedLong(msi.pending()));
        }
        MsiRegisters.MsiX msix = MsiRegisters.msix(f);
        if (msix != null) {
            ObjectNode o = out.putObject("msix").put("offset", msix.offset()).put("enabled", msix.enabled())
                    .put("function-mask", msix.functionMask()).put("table-size", msix.tableSize());
            o.putObject("table").put("bar", msix.tableBir()).put("offset", msix.tableOffset());
            o.putObject("pba").put("bar", msix.pbaBir()).put("offset", msix.pbaOffset());
            ArrayNode entries = o.putArray("entries");
            for (int i = 0; i < msix.tableSize(); i++) {
                MsiRegisters.Entry e = msix.entry(f, i);
                ObjectNode eo = entries.addObject().put("entry", i);
                Unsigned.put(eo, "address", e.address()).put("data", Integer.toUnsignedLong(e.data()))
                        .put("masked", e.masked()).put("pending", e.pending());
            }
        }
        return out;
    }
}
