package vdm.qmp.model;

import java.util.List;
import java.util.function.Supplier;
import vdm.Vdm;
import vdm.ioapic.IoApic;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;

/** The host IO-APICs over QMP: indirect register access, GSI input levels and EOI. */
final class IoApicCommands {
    private IoApicCommands() {}

    static void register(CommandRegistry registry, Supplier<Vdm> vdm) {
        registry.register(QmpCommand.of("x-vdm-ioapic-read", "Reads an IO-APIC register (ID 0, VER 1, ARB 2, entries from 0x10)",
                ArgumentSchema.of(Arg.required("ioapic", ArgType.UINT8, "index in the MADT order"),
                        Arg.required("register", ArgType.UINT8, "register index")),
                Execution.MODEL, call -> {
                    IoApic a = ioapic(vdm.get(), call.arguments().integer("ioapic"));
                    long reg = call.arguments().integer("register");
                    return PassthroughCommands.JSON.objectNode().put("value", Integer.toUnsignedLong(a.readRegister((int) reg)));
                }));
        registry.register(QmpCommand.of("x-vdm-ioapic-write", "Writes an IO-APIC register",
                ArgumentSchema.of(Arg.required("ioapic", ArgType.UINT8, "index in the MADT order"),
                        Arg.required("register", ArgType.UINT8, "register index"), Arg.required("value", ArgType.UINT32, "32-bit value")),
                Execution.MODEL, call -> {
                    IoApic a = ioapic(vdm.get(), call.arguments().integer("ioapic"));
                    long reg = call.arguments().integer("register");
                    a.writeRegister((int) reg, (int) call.arguments().integer("value"));
                    return null;
                }));
        registry.register(QmpCommand.of("x-vdm-gsi-set", "Sets a GSI input line (a device raising or lowering INTx)",
                ArgumentSchema.of(Arg.required("gsi", ArgType.UINT32, "the GSI"), Arg.required("level", ArgType.BOOLEAN, "true = asserted")),
                Execution.MODEL, call -> {
                    long gsi = call.arguments().integer("gsi");
                    var space = vdm.get().host().gsiSpace();
                    if (gsi < 0 || gsi > Integer.MAX_VALUE || !space.serves((int) gsi)) {
                        throw QmpError.generic("GSI " + gsi + " is not served by any IO-APIC (GSIs 0.." + (space.gsiLimit() - 1) + ")");
                    }
                    space.setGsi((int) gsi, call.arguments().bool("level", false));
                    return null;
                }));
        registry.register(QmpCommand.of("x-vdm-eoi", "EOI of a vector to every host IO-APIC; returns the pins it cleared",
                ArgumentSchema.of(Arg.required("vector", ArgType.UINT8, "0..255")), Execution.MODEL, call -> {
                    long v = call.arguments().integer("vector");
                    return PassthroughCommands.JSON.objectNode().put("cleared", vdm.get().host().gsiSpace().eoi((int) v));
                }));
    }

    private static IoApic ioapic(Vdm vdm, long index) throws QmpError {
        List<IoApic> all = vdm.host().gsiSpace().ioApics();
        if (index < 0 || index >= all.size()) throw QmpError.generic("IO-APIC " + index + " does not exist (0.." + (all.size() - 1) + ")");
        return all.get((int) index);
    }
}
