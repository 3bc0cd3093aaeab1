package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import vdm.Vdm;
import vdm.pci.Access;
import vdm.pci.ConfigAccessException;
import vdm.pci.Effects;
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
import vdm.toolstack.XenPtDevice;

/**
 * Config space as each party sees it: the hardware itself, dom0 (through Xen's vPCI for a PVH dom0, as the kernel
 * reads it) or the guest (QEMU's emulated copy, xen_pt_pci_read_config / write_config).
 */
final class ConfigSpaceCommands {
    /** Extended config space: 4 KiB per function (PCIe); alignment to size is the access's own check. */
    private static final ArgType OFFSET = ArgType.range(0, 4095);
    private static final ArgType SIZE = ArgType.anyOf(1, 2, 4);

    private ConfigSpaceCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-config-read", "Reads config space as the hardware, dom0 (through vPCI) or the guest sees it",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                        Arg.required("offset", OFFSET, "0..4095, aligned to size"), Arg.required("size", SIZE, "1, 2 or 4"),
                        Arg.optional("view", ArgType.oneOf("ConfigView", "hardware", "dom0", "guest"), "who reads (default hardware)")),
                Execution.MODEL, call -> access(model.vdm(), call, false)));
        registry.register(QmpCommand.of("x-vdm-config-write", "Writes config space as the hardware, dom0 or the guest; returns effects",
                ArgumentSchema.of(Arg.required("hostaddr", ArgType.STRING, "SSSS:BB:DD.F"),
                        Arg.required("offset", OFFSET, "0..4095"), Arg.required("size", SIZE, "1, 2 or 4"),
                        Arg.required("value", ArgType.UINT32, "the value; at most size bytes wide"),
                        Arg.optional("view", ArgType.oneOf("ConfigView", "hardware", "dom0", "guest"), "who writes (default hardware)")),
                Execution.MODEL, call -> access(model.vdm(), call, true)));
    }

    private static JsonNode access(Vdm vdm, CommandCall call, boolean write) throws QmpError {
        Sbdf s = HostAddress.parse(call.arguments().string("hostaddr"), "hostaddr");
        if (vdm.host().lookup(s.packed()) == null) throw new QmpError(ErrorClass.DeviceNotFound, "Device '" + s + "' not found");
        long offset = call.arguments().integer("offset"), size = call.arguments().integer("size");
        String view = call.arguments().optionalString("view").orElse("hardware");
        long wide = write ? call.arguments().integer("value") : 0;
        if (size < 4 && wide >>> (8 * size) != 0) {
            // refused, not masked: a value wider than the access is a caller's mistake the register would hide
            throw QmpError.generic(String.format("Parameter 'value' 0x%x does not fit in %d byte%s", wide, size, size == 1 ? "" : "s"));
        }
        int value = (int) wide, off = (int) offset, len = (int) size; // in range: the schema checked them
        try {
            Access.check(off, len);
            switch (view) {
                case "dom0" -> {
                    if (write) { vdm.kernel().cfgWrite(s, off, len, value); return null; }
                    return read(vdm.kernel().cfgRead(s, off, len));
                }
                case "guest" -> {
                    XenPtDevice pt = vdm.libxl().device(s);
                    if (pt == null) throw new QmpError(ErrorClass.DeviceNotActive, "Device '" + s + "' is not attached to a guest");
                    if (write) { pt.guestWrite(off, len, value); return null; }
                    return read(pt.guestRead(off, len));
                }
                default -> {
                    if (write) return PassthroughCommands.JSON.objectNode().put("effects", Effects.describe(vdm.host().write(s, off, len, value)));
                    return read(vdm.host().read(s, off, len));
                }
            }
        } catch (ConfigAccessException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    private static JsonNode read(int value) {
        return PassthroughCommands.JSON.objectNode().put("value", Integer.toUnsignedLong(value));
    }
}
