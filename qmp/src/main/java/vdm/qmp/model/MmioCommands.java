package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import vdm.Vdm;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.xen.Domain;
import vdm.xen.Vcpu;

/**
 * Memory as each party reaches it, so that a tool can program and read an MSI-X table: the hardware (the host's
 * decoded BARs), dom0's vCPU 0 or a guest's vCPU 0 (through its p2m, then Xen's MMIO intercepts, then its device
 * model: {@code Xen.mmioRead}). Every view refuses a size other than 1, 2, 4 or 8 and an access that crosses a 4 KiB
 * page (Xen splits those in two, hvmemul_linear_read/write since "x86/hvm: split all linear reads and writes at page
 * boundary"; one QMP access is one access). A misaligned access inside a page goes on as the CPU issues it, and each
 * reach does what the real one does: vPCI's MSI-X trap drops it and logs (access_allowed), QEMU's table drops it
 * (pci_msix_ops' 4-byte accesses), the device cuts it into aligned pieces (the MSI-X table's memory_access_size). The
 * hardware view refuses an address no BAR decodes (the bus would read all ones and drop the write, which would hide
 * a wrong address); the dom0 and guest views keep Xen's silent behaviour for what nothing claims (reads all ones,
 * writes dropped), since that is what the domain sees.
 */
final class MmioCommands {
    private static final List<String> VIEWS = List.of("hardware", "dom0", "guest");
    private static final int PAGE = 4096;
    private static final long PAGE_MASK = PAGE - 1;

    private static final ArgType SIZE = ArgType.anyOf(1, 2, 4, 8);

    private MmioCommands() {}

    static void register(CommandRegistry registry, Model model) {
        ArgType view = ArgType.oneOf("MmioView", VIEWS.toArray(String[]::new));
        registry.register(QmpCommand.of("x-vdm-mmio-read", "Reads memory as the hardware, dom0 or a guest reaches it (BAR registers, MSI-X table, PBA)",
                ArgumentSchema.of(Arg.required("view", view, "hardware (the decoded BARs), dom0 or guest"),
                        Arg.required("address", ArgType.UINT64, "host physical (hardware) or guest physical address; within one 4 KiB page"),
                        Arg.required("size", SIZE, "1, 2, 4 or 8"),
                        Arg.optional("domid", DomainCommands.DOMID, "the guest (view guest; optional when there is one)")),
                Execution.MODEL, call -> read(model.vdm(), call)));
        registry.register(QmpCommand.of("x-vdm-mmio-write", "Writes memory as the hardware, dom0 or a guest reaches it",
                ArgumentSchema.of(Arg.required("view", view, "hardware (the decoded BARs), dom0 or guest"),
                        Arg.required("address", ArgType.UINT64, "host physical (hardware) or guest physical address; within one 4 KiB page"),
                        Arg.required("size", SIZE, "1, 2, 4 or 8"),
                        Arg.required("value", ArgType.UINT64, "the value (its low size bytes)"),
                        Arg.optional("domid", DomainCommands.DOMID, "the guest (view guest; optional when there is one)")),
                Execution.MODEL, call -> write(model.vdm(), call)));
    }

    /** Who accesses memory: the bus itself (the host's decoded BARs), or a vCPU of dom0 or of a guest (through Xen). */
    private sealed interface Reach {
        long read(Vdm vdm, long address, int size) throws QmpError;

        void write(Vdm vdm, long address, int size, long value) throws QmpError;
    }

    /** The bus: an address no BAR decodes is refused (the bus would read all ones and drop a write). */
    private record Bus() implements Reach {
        @Override
        public long read(Vdm vdm, long address, int size) throws QmpError {
            decoded(vdm, address, size);
            return vdm.host().mmioRead(address, size);
        }

        @Override
        public void write(Vdm vdm, long address, int size, long value) throws QmpError {
            decoded(vdm, address, size);
            vdm.host().mmioWrite(address, size, value);
        }

        private static void decoded(Vdm vdm, long address, int size) throws QmpError {
            if (vdm.host().mmioDecode(address).isEmpty()) {
                throw QmpError.generic(String.format("No BAR decodes host address 0x%x (size %d): the bus would read all ones "
                        + "and drop a write; nothing was accessed", address, size));
            }
        }
    }

    /** A domain's vCPU: its p2m, then Xen's intercepts, then its device model; what nothing claims is Xen's silence. */
    private record Cpu(Vcpu vcpu) implements Reach {
        @Override
        public long read(Vdm vdm, long address, int size) {
            return vdm.xen().mmioRead(vcpu, address, size);
        }

        @Override
        public void write(Vdm vdm, long address, int size, long value) {
            vdm.xen().mmioWrite(vcpu, address, size, value);
        }
    }

    private static JsonNode read(Vdm vdm, CommandCall call) throws QmpError {
        long address = call.arguments().uint64("address");
        int size = size(call, address);
        return Unsigned.value(reach(vdm, call).read(vdm, address, size) & mask(size));
    }

    private static JsonNode write(Vdm vdm, CommandCall call) throws QmpError {
        long address = call.arguments().uint64("address");
        int size = size(call, address);
        long value = call.arguments().uint64("value");
        if ((value & ~mask(size)) != 0) {
            throw QmpError.generic(String.format("Parameter 'value' 0x%s does not fit in %d byte%s", Long.toUnsignedString(value, 16),
                    size, size == 1 ? "" : "s"));
        }
        reach(vdm, call).write(vdm, address, size, value);
        return null;
    }

    private static int size(CommandCall call, long address) throws QmpError {
        long size = call.arguments().integer("size");
        if ((address & PAGE_MASK) + size > PAGE) {
            throw QmpError.generic(String.format("access at 0x%x (size %d) crosses a 4 KiB page boundary: a CPU's access is split "
                    + "there in two, so make two", address, size));
        }
        return (int) size;
    }

    /** The view's reach; a domid is only for view guest, and names an existing guest (or the only one). */
    private static Reach reach(Vdm vdm, CommandCall call) throws QmpError {
        String view = call.arguments().string("view");
        boolean hasDomid = call.arguments().has("domid");
        if (!view.equals("guest")) {
            if (hasDomid) throw QmpError.generic("Parameter 'domid' is only for view 'guest' (view '" + view + "' has no domain to choose)");
            return view.equals("dom0") ? new Cpu(vdm.dom0().vcpu(0)) : new Bus();
        }
        List<Domain> guests = vdm.xen().domains().stream().filter(d -> !d.isHardwareDomain()).toList();
        if (hasDomid) {
            long domid = call.arguments().integer("domid");
            for (Domain d : guests) if (d.id() == domid) return new Cpu(d.vcpu(0));
            if (domid == vdm.dom0().id()) throw QmpError.generic("Domain " + domid + " is the hardware domain: use view 'dom0'");
            throw QmpError.generic("No guest with domid " + domid + " (guests: " + ids(guests) + ")");
        }
        if (guests.size() == 1) return new Cpu(guests.getFirst().vcpu(0));
        if (guests.isEmpty()) throw QmpError.generic("View 'guest' needs a guest, and there is none (x-vdm-domain-create makes one)");
        throw QmpError.generic("View 'guest' is ambiguous: " + guests.size() + " guests (" + ids(guests) + "); name one with 'domid'");
    }

    private static String ids(List<Domain> guests) {
        return guests.isEmpty() ? "none" : String.join(", ", guests.stream().map(d -> "d" + d.id()).toList());
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }
}
