package vdm.qmp.model;

import vdm.Vdm;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.ioapic.IoApic;
import vdm.ioapic.RedirectionEntry;
import vdm.pci.layout.BarKind;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;

/** human-monitor-command's {@code info pci}, {@code info pic} and {@code info irq}, in QEMU's text style. */
final class Hmp {
    private Hmp() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("human-monitor-command", "HMP: info pci, info pic, info irq",
                ArgumentSchema.of(Arg.required("command-line", ArgType.STRING, "the HMP command"),
                        Arg.optional("cpu-index", ArgType.INTEGER, "ignored")),
                Execution.MODEL, call -> PassthroughCommands.JSON.textNode(run(model.vdm(), call.arguments().string("command-line")))));
    }

    static String run(Vdm vdm, String commandLine) {
        String cmd = commandLine.trim().replaceAll("\\s+", " ");
        return switch (cmd) {
            case "info pci" -> infoPci(vdm);
            case "info pic" -> infoPic(vdm);
            case "info irq" -> infoIrq(vdm);
            case "" -> "";
            default -> {
                String word = cmd.split(" ")[0];
                if (word.equals("info")) yield "info: unknown or unsupported subcommand '" + cmd.substring(5) + "'\r\n";
                yield "unknown command: '" + word + "'\r\n";
            }
        };
    }

    /** As hmp_info_pci / hmp_info_pci_device. */
    private static String infoPci(Vdm vdm) {
        StringBuilder sb = new StringBuilder();
        for (PhysicalFunction f : vdm.host().functions()) {
            Sbdf s = f.sbdf();
            sb.append(String.format("  Bus %2d, device %3d, function %d:\r\n", s.bus(), s.device(), s.function()));
            int cls = vdm.host().read(s, 0x0a, 2);
            sb.append(String.format("    %s: PCI device %04x:%04x\r\n", QemuClassNames.hmp(cls), vdm.host().read(s, 0, 2), vdm.host().read(s, 2, 2)));
            if (f.layout().headerType() == 0) {
                sb.append(String.format("      PCI subsystem %04x:%04x\r\n", vdm.host().read(s, 0x2c, 2), vdm.host().read(s, 0x2e, 2)));
            }
            int pin = vdm.host().read(s, 0x3d, 1);
            if (pin != 0) sb.append(String.format("      IRQ %d, pin %c\r\n", vdm.host().read(s, 0x3c, 1), (char) ('A' + pin - 1)));
            f.asBridge().ifPresent(b -> {
                sb.append(String.format("      BUS %d.\r\n", b.primaryBus()));
                sb.append(String.format("      secondary bus %d.\r\n", b.secondaryBus()));
                sb.append(String.format("      subordinate bus %d.\r\n", b.subordinateBus()));
            });
            for (int n = 0; n < f.layout().barCount(); n++) {
                if (!f.barImplemented(n)) continue;
                long addr = f.barDecodes(n) ? f.barAddress(n) : -1;
                long last = addr + f.barSize(n) - 1;
                if (f.barKind(n) == BarKind.IO) {
                    sb.append(String.format("      BAR%d: I/O at 0x%04x [0x%04x].\r\n", n, addr, last));
                } else {
                    sb.append(String.format("      BAR%d: %s bit %smemory at 0x%08x [0x%08x].\r\n", n,
                            f.barKind(n) == BarKind.MEM64 ? "64" : "32", f.barPrefetchable(n) ? "prefetchable " : "", addr, last));
                }
            }
            if (f.romSize() > 0) {
                long addr = f.romDecodes() ? f.romAddress() : -1;
                sb.append(String.format("      BAR6: 32 bit memory at 0x%08x [0x%08x].\r\n", addr, addr + f.romSize() - 1));
            }
            sb.append(String.format("      id \"%s\"\r\n", QdevIds.ofHost(vdm, s)));
        }
        return sb.toString();
    }

    /** As QEMU's ioapic_print_redtbl (info pic on an IO-APIC machine). */
    private static String infoPic(Vdm vdm) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (IoApic a : vdm.host().gsiSpace().ioApics()) {
            sb.append(String.format("ioapic%d: ver=0x%x id=0x%02x sel=0x%02x", n++, a.version(), a.id(), a.selector()));
            sb.append(String.format(" (redir[%d])\r\n", Math.max(0, (a.selector() - 0x10) / 2)));
            StringBuilder irr = new StringBuilder(), rirr = new StringBuilder();
            for (int pin = 0; pin < a.pins(); pin++) {
                long e = a.entry(pin);
                sb.append(String.format("  pin %-3d 0x%016x dest=%x vec=%-3d %s %-5s %-6s %-6s %-9s\r\n", pin, e,
                        RedirectionEntry.destination(e), RedirectionEntry.vector(e),
                        RedirectionEntry.polarity(e).name().equals("ACTIVE_LOW") ? "active-lo" : "active-hi",
                        RedirectionEntry.isLevel(e) ? "level" : "edge", RedirectionEntry.isMasked(e) ? "masked" : "",
                        RedirectionEntry.deliveryMode(e).name().toLowerCase(),
                        RedirectionEntry.destinationMode(e).name().toLowerCase()));
                if (a.pending(pin)) irr.append(' ').append(pin);
                if (RedirectionEntry.remoteIrr(e)) rirr.append(' ').append(pin);
            }
            sb.append("  IRR").append(irr.isEmpty() ? "(none)" : irr).append("\r\n");
            sb.append("  Remote IRR").append(rirr.isEmpty() ? "(none)" : rirr).append("\r\n");
        }
        return sb.toString();
    }

    /** As hmp_info_irq: interrupts delivered per GSI by the physical IO-APICs (vdm counts what it routed). */
    private static String infoIrq(Vdm vdm) {
        StringBuilder sb = new StringBuilder("IRQ statistics for ioapic:\r\n");
        for (var d : vdm.xen().domains()) {
            if (d.interrupts() == null) continue;
            var rec = d.interrupts().delivered();
            java.util.TreeMap<Integer, Integer> perGsi = new java.util.TreeMap<>();
            for (int i = 0; i < rec.count(); i++) perGsi.merge(rec.gsi(i), 1, Integer::sum);
            perGsi.forEach((gsi, count) -> sb.append(String.format("%2d: %d (d%d)\r\n", gsi, count, d.id())));
        }
        return sb.toString();
    }
}
