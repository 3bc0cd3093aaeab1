package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Function;
import vdm.Vdm;
import vdm.ioapic.IoApic;
import vdm.ioapic.RedirectionEntry;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;

/**
 * human-monitor-command's {@code help} (and {@code ?}), {@code info} (the list), {@code info pci}, {@code info pic}
 * and {@code info irq}, in QEMU's text style. These are the only HMP commands vdm has; {@code help} lists just them.
 */
final class Hmp {
    private Hmp() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("human-monitor-command", "HMP: help, info, info pci, info pic, info irq",
                ArgumentSchema.of(Arg.required("command-line", ArgType.STRING, "the HMP command"),
                        Arg.optional("cpu-index", ArgType.INTEGER, "ignored")),
                Execution.MODEL, call -> PassthroughCommands.JSON.textNode(run(model.vdm(), call.arguments().string("command-line"))))
                .returning(ArgType.STRING));
    }

    /** An {@code info} subcommand vdm has, with QEMU 7.2's help text (hmp-commands-info.hx). */
    private record Info(String name, String help, Function<Vdm, String> print) {}

    /** In QEMU's order: its tables are sorted by name (sortcmdlist, monitor/hmp.c). */
    private static final List<Info> INFO = List.of(
            new Info("irq", "show the interrupts statistics (if available)", Hmp::infoIrq),
            new Info("pci", "show PCI info", Hmp::infoPci),
            new Info("pic", "show PIC state", Hmp::infoPic));

    /** The command table help walks, with QEMU 7.2's texts (hmp-commands.hx, hmp-commands-info.hx). */
    private static final HmpHelp.Entry HELP = new HmpHelp.Entry("help|?", "[cmd]", "show the help", List.of());
    private static final List<HmpHelp.Entry> COMMANDS = List.of(HELP,
            new HmpHelp.Entry("info", "[subcommand]", "show various information about the system state",
                    INFO.stream().map(i -> new HmpHelp.Entry(i.name(), "", i.help(), List.of())).toList()));

    /**
     * Parses a line as QEMU's monitor_parse_command and monitor_parse_arguments do (monitor/hmp.c): a name runs to a
     * C isspace or '/'; an unknown name prints the line up to where it ends; {@code info} alone lists its
     * subcommands (hmp_info_help); text after a subcommand, which takes no arguments, is refused with a pointer to
     * help, quoting the line up to the subcommand (handle_hmp_command). A blank line prints nothing.
     */
    static String run(Vdm vdm, String line) {
        // monitor_puts: every '\n' the monitor prints goes out as "\r\n", a quoted one included
        return command(vdm, line).replace("\n", "\r\n");
    }

    private static String command(Vdm vdm, String line) {
        int start = skipSpaces(line, 0);
        if (start == line.length()) return "";
        int end = nameEnd(line, start);
        String name = line.substring(start, end);
        if (HELP.named(name)) return HmpHelp.help(COMMANDS, restOfLine(line, end));
        if (!name.equals("info")) return unknown(line, end);
        int subStart = skipSpaces(line, end);
        if (subStart == line.length()) return infoList();
        int subEnd = nameEnd(line, subStart);
        String sub = line.substring(subStart, subEnd);
        Info info = INFO.stream().filter(i -> i.name().equals(sub)).findFirst().orElse(null);
        if (info == null) return unknown(line, subEnd);
        if (skipSpaces(line, subEnd) != line.length()) {
            return sub + ": extraneous characters at the end of line\nTry \"help " + line.substring(0, subEnd)
                    + "\" for more information\n";
        }
        return info.print().apply(vdm);
    }

    /** monitor_parse_arguments' "S?": the rest of the line without its surrounding spaces; null if nothing is left. */
    private static String restOfLine(String line, int from) {
        int start = skipSpaces(line, from), end = line.length();
        while (end > start && isSpace(line.charAt(end - 1))) end--;
        return start == end ? null : line.substring(start, end);
    }

    private static String unknown(String line, int end) {
        return "unknown command: '" + line.substring(0, end) + "'\n";
    }

    /** hmp_info_help: help_cmd(mon, "info"). */
    private static String infoList() {
        return HmpHelp.help(COMMANDS, "info");
    }

    /** As get_command_name: a name ends at the end of the line, a '/' or a space. */
    private static int nameEnd(String line, int i) {
        while (i < line.length() && line.charAt(i) != '/' && !isSpace(line.charAt(i))) i++;
        return i;
    }

    private static int skipSpaces(String line, int i) {
        while (i < line.length() && isSpace(line.charAt(i))) i++;
        return i;
    }

    /** C's isspace in the C locale, as qemu_isspace: not Java's trim(), which takes every control character. */
    private static boolean isSpace(char c) {
        return HmpHelp.isSpace(c);
    }

    /**
     * As hmp_info_pci (hw/pci/pci-hmp-cmds.c), which prints query-pci's answer: each root bus's devices in its order,
     * a bridge's ranges after its bus numbers and the devices behind it after its id (hmp_info_pci_device). QEMU 7.2
     * prints an unmapped BAR at address -1, as 0xffffffffffffffff.
     */
    private static String infoPci(Vdm vdm) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode bus : QueryPci.of(vdm)) for (JsonNode d : bus.get("devices")) infoPciDevice(sb, d);
        return sb.toString();
    }

    private static void infoPciDevice(StringBuilder sb, JsonNode d) {
        sb.append(String.format("  Bus %2d, device %3d, function %d:\n", d.get("bus").asInt(), d.get("slot").asInt(), d.get("function").asInt()));
        JsonNode cls = d.get("class_info"), id = d.get("id");
        String desc = cls.has("desc") ? cls.get("desc").asText() : String.format("Class %04d", cls.get("class").asInt()); // %04 PRId64
        sb.append(String.format("    %s: PCI device %04x:%04x\n", desc, id.get("vendor").asInt(), id.get("device").asInt()));
        if (id.has("subsystem-vendor") && id.has("subsystem")) {
            sb.append(String.format("      PCI subsystem %04x:%04x\n", id.get("subsystem-vendor").asInt(), id.get("subsystem").asInt()));
        }
        if (d.has("irq")) sb.append(String.format("      IRQ %d, pin %c\n", d.get("irq").asInt(), (char) ('A' + d.get("irq_pin").asInt() - 1)));
        JsonNode bridge = d.get("pci_bridge");
        if (bridge != null) {
            JsonNode b = bridge.get("bus");
            sb.append(String.format("      BUS %d.\n", b.get("number").asInt()));
            sb.append(String.format("      secondary bus %d.\n", b.get("secondary").asInt()));
            sb.append(String.format("      subordinate bus %d.\n", b.get("subordinate").asInt()));
            sb.append(String.format("      IO range [0x%04x, 0x%04x]\n", b.get("io_range").get("base").asLong(), b.get("io_range").get("limit").asLong()));
            sb.append(String.format("      memory range [0x%08x, 0x%08x]\n", b.get("memory_range").get("base").asLong(),
                    b.get("memory_range").get("limit").asLong()));
            sb.append(String.format("      prefetchable memory range [0x%08x, 0x%08x]\n", b.get("prefetchable_range").get("base").asLong(),
                    b.get("prefetchable_range").get("limit").asLong()));
        }
        for (JsonNode r : d.get("regions")) {
            long addr = r.get("address").asLong(), last = addr + r.get("size").asLong() - 1;
            if (r.get("type").asText().equals("io")) {
                sb.append(String.format("      BAR%d: I/O at 0x%04x [0x%04x].\n", r.get("bar").asInt(), addr, last));
            } else {
                sb.append(String.format("      BAR%d: %d bit%s memory at 0x%08x [0x%08x].\n", r.get("bar").asInt(),
                        r.get("mem_type_64").asBoolean() ? 64 : 32, r.get("prefetch").asBoolean() ? " prefetchable" : "", addr, last));
            }
        }
        sb.append(String.format("      id \"%s\"\n", d.get("qdev_id").asText()));
        if (bridge != null && bridge.has("devices")) for (JsonNode child : bridge.get("devices")) infoPciDevice(sb, child);
    }

    /** As QEMU's ioapic_print_redtbl (info pic on an IO-APIC machine). */
    private static String infoPic(Vdm vdm) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (IoApic a : vdm.host().gsiSpace().ioApics()) {
            sb.append(String.format("ioapic%d: ver=0x%x id=0x%02x sel=0x%02x", n++, a.version(), a.id(), a.selector()));
            sb.append(String.format(" (redir[%d])\n", Math.max(0, (a.selector() - 0x10) / 2)));
            StringBuilder irr = new StringBuilder(), rirr = new StringBuilder();
            for (int pin = 0; pin < a.pins(); pin++) {
                long e = a.entry(pin);
                sb.append(String.format("  pin %-3d 0x%016x dest=%x vec=%-3d %s %-5s %-6s %-6s %-9s\n", pin, e,
                        RedirectionEntry.destination(e), RedirectionEntry.vector(e),
                        RedirectionEntry.polarity(e).name().equals("ACTIVE_LOW") ? "active-lo" : "active-hi",
                        RedirectionEntry.isLevel(e) ? "level" : "edge", RedirectionEntry.isMasked(e) ? "masked" : "",
                        RedirectionEntry.deliveryMode(e).name().toLowerCase(),
                        RedirectionEntry.destinationMode(e).name().toLowerCase()));
                if (a.pending(pin)) irr.append(' ').append(pin);
                if (RedirectionEntry.remoteIrr(e)) rirr.append(' ').append(pin);
            }
            sb.append("  IRR").append(irr.isEmpty() ? "(none)" : irr).append("\n");
            sb.append("  Remote IRR").append(rirr.isEmpty() ? "(none)" : rirr).append("\n");
        }
        return sb.toString();
    }

    /** As hmp_info_irq: interrupts delivered per GSI by the physical IO-APICs (vdm counts what it routed). */
    private static String infoIrq(Vdm vdm) {
        StringBuilder sb = new StringBuilder("IRQ statistics for ioapic:\n");
        for (var d : vdm.xen().domains()) {
            if (d.interrupts() == null) continue;
            var rec = d.interrupts().delivered();
            java.util.TreeMap<Integer, Integer> perGsi = new java.util.TreeMap<>();
            for (int i = 0; i < rec.count(); i++) perGsi.merge(rec.gsi(i), 1, Integer::sum);
            perGsi.forEach((gsi, count) -> sb.append(String.format("%2d: %d (d%d)\n", gsi, count, d.id())));
        }
        return sb.toString();
    }
}
