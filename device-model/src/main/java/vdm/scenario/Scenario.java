package vdm.scenario;

import java.util.ArrayList;
import java.util.List;
import vdm.system.Machine;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.pci.Sbdf;
import vdm.system.Trace;
import vdm.toolstack.AttachResult;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.XenPtDevice;
import vdm.errno.Errno;

/**
 * Replays the whole passthrough flow on one device under a set of fixes: boot dom0 (devices enabled), xl
 * pci-assignable-add, create a domU, xl pci-attach, the guest programs BAR0 and takes an interrupt, xl pci-detach,
 * destroy. The guest takes the device's interrupt on its INTx line, its MSI or its MSI-X table ({@link InterruptPath}).
 * Each step gets a verdict; every hypercall and log line is in the trace. A failing step does not stop the
 * replay: later steps run on what is there, as a user would go on typing commands.
 */
public final class Scenario {
    /** One step's verdict with a one-line explanation. */
    public record Step(String name, Trace.Verdict verdict, String summary) {}

    /** The replay: its steps, its trace, and where it ran. Written as JSON lines by {@code vdm.persist.ScenarioJson}. */
    public record Result(String label, Sbdf device, List<Step> steps, Trace trace) {
        public long failures() {
            return steps.stream().filter(s -> s.verdict() == Trace.Verdict.FAILED).count();
        }

        public boolean passed() {
            return failures() == 0;
        }

        /** Aligned columns, failures marked, each step followed by what happened in it, and a summary. */
        public String render() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("vdm scenario: %s, device %s%n%n", label, device));
            int width = steps.stream().mapToInt(s -> s.name().length()).max().orElse(10);
            for (Step s : steps) {
                String mark = switch (s.verdict()) {
                    case OK -> "ok  ";
                    case FAILED -> "FAIL";
                    case INFO, EXPECTED -> "--  ";
                };
                sb.append(String.format("%s  %-" + width + "s  %s%n", mark, s.name(), s.summary()));
                for (Trace.Event e : trace.events()) {
                    if (!e.step().equals(s.name())) continue;
                    if (e.source() == Trace.Source.KERNEL && e.message().contains("restore config")) continue;
                    String src = e.source().name().toLowerCase();
                    String flag = e.verdict() == Trace.Verdict.FAILED ? "!" : e.verdict() == Trace.Verdict.EXPECTED ? "~" : " ";
                    String detail = e.detail().isEmpty() ? "" : "  [" + e.detail() + "]";
                    sb.append(String.format("      %s %-9s %s%s%n", flag, src, e.message(), detail));
                }
            }
            sb.append(String.format("%n%d steps, %d failed%n", steps.size(), failures()));
            return sb.toString();
        }
    }

    private Scenario() {}

    /** Runs the flow on {@code device} in the system the builder makes; {@code label} names it (e.g. the preset). */
    public static Result run(Machine.Builder builder, Sbdf device, String label) {
        return run(builder, device, label, null);
    }

    /** The same, the guest taking the device's interrupts on {@code path} ({@code null}: {@link InterruptPath#defaultFor}). */
    public static Result run(Machine.Builder builder, Sbdf device, String label, InterruptPath path) {
        return run(builder, device == null ? null : new DeviceChoice(device, "", true, "named on the command"), label, path);
    }

    /** {@link #run(Machine.Builder, DeviceChoice, String, InterruptPath)} on the device's default interrupt path. */
    public static Result run(Machine.Builder builder, DeviceChoice choice, String label) {
        return run(builder, choice, label, null);
    }

    /**
     * Runs the flow on the chosen device ({@code null}: the host's first assignable endpoint, {@link DeviceChoice});
     * the boot step's trace says which device it is and why. The guest takes the device's interrupts on {@code path}
     * ({@code null}: INTx if the device has a pin, else MSI-X, else MSI); a path the device lacks is refused
     * (IllegalArgumentException naming the device and what it lacks) before anything runs.
     */
    public static Result run(Machine.Builder builder, DeviceChoice choice, String label, InterruptPath path) {
        List<Step> steps = new ArrayList<>();
        Machine vdm = builder.build();
        Trace trace = vdm.trace();
        steps.add(new Step("boot", Trace.Verdict.OK, String.format("%s dom0, %d functions, fixes: %s",
                vdm.dom0().kind(), vdm.host().functions().size(), vdm.fixes())));
        DeviceChoice chosen = choice == null ? DeviceChoice.firstAssignable(vdm.host())
                : choice.named() ? DeviceChoice.named(vdm.host(), choice.device()) : choice;
        Sbdf device = chosen.device();
        if (!chosen.named()) trace.add(Trace.Source.STEP, Trace.Verdict.INFO, "device " + chosen.describe(), "", 0);
        PhysicalFunction f = vdm.host().require(device);
        InterruptPath interrupt = path == null ? InterruptPath.defaultFor(f) : path;
        if (path != null) path.requireOn(f);

        trace.step("pci-assignable-add");
        int[] before = new int[6];
        for (int n = 0; n < f.layout().barCount(); n++) before[n] = f.barImplemented(n) ? vdm.host().read(device, 0x10 + 4 * n, 4) : 0;
        int rc = vdm.libxl().pciAssignableAdd(device);
        String badBars = restoredBars(vdm, f, before);
        if (rc != 0) {
            steps.add(new Step("pci-assignable-add", Trace.Verdict.FAILED, "pciback: " + Errno.name(rc)));
        } else if (badBars != null) {
            steps.add(new Step("pci-assignable-add", Trace.Verdict.FAILED, badBars));
        } else {
            steps.add(new Step("pci-assignable-add", Trace.Verdict.OK, "held by pciback, BARs restored"));
        }

        trace.step("create-domU");
        int domid = vdm.libxl().domainCreate(1);
        steps.add(new Step("create-domU", Trace.Verdict.OK, "HVM guest d" + domid));

        trace.step("pci-attach");
        // libxl's device_add names no addr: QEMU gives the device the first free slot of the guest's bus.
        int slot = GuestPciBus.firstFreeSlot(vdm.libxl().devices(domid)).orElseThrow(() -> new IllegalStateException(GuestPciBus.NO_SLOT));
        AttachResult attach = vdm.libxl().pciAttach(domid, device, slot);
        XenPtDevice pt = vdm.libxl().device(device);
        if (!attach.ok()) {
            String wrong = wrongIndex(vdm, device, attach);
            steps.add(new Step("pci-attach", Trace.Verdict.FAILED, attach + (wrong == null ? "" : "; " + wrong)));
        } else {
            String wrongLine = wrongLine(vdm, device, pt);
            steps.add(new Step("pci-attach", wrongLine == null ? Trace.Verdict.OK : Trace.Verdict.FAILED,
                    wrongLine == null ? String.format("QEMU devfn 0x%x, machine irq %d", pt.guestSlot() << 3, pt.machineIrq()) : wrongLine));
        }

        trace.step("guest-bars");
        if (pt == null) {
            steps.add(new Step("guest-bars", Trace.Verdict.FAILED, "no device in the guest"));
        } else {
            steps.add(guestBars(vdm, f, pt));
        }

        trace.step("guest-interrupt");
        if (pt == null) {
            steps.add(new Step("guest-interrupt", Trace.Verdict.FAILED, "no device in the guest"));
        } else {
            steps.add(InterruptStep.run(vdm, pt, interrupt));
        }

        trace.step("pci-detach");
        if (pt == null) {
            steps.add(new Step("pci-detach", Trace.Verdict.INFO, "nothing attached"));
        } else {
            AttachResult d = vdm.libxl().pciDetach(domid, device);
            // The detach must tear down everything the attach and the guest set up, whatever the interrupt path.
            List<String> left = InterruptStep.leftovers(vdm.xen().domain(domid), device);
            steps.add(!d.ok() ? new Step("pci-detach", Trace.Verdict.FAILED, d.toString())
                    : !left.isEmpty() ? new Step("pci-detach", Trace.Verdict.FAILED, "back with pciback, but d" + domid + " still has " + String.join(", ", left))
                    : new Step("pci-detach", Trace.Verdict.OK, "back with pciback; d" + domid + " keeps no pirq, binding, permission or mapping"));
        }

        trace.step("destroy-domU");
        rc = vdm.libxl().domainDestroy(domid);
        steps.add(new Step("destroy-domU", rc == 0 ? Trace.Verdict.OK : Trace.Verdict.FAILED, rc == 0 ? "d" + domid + " gone" : Errno.name(rc)));
        return new Result(label, device, List.copyOf(steps), trace);
    }

    /**
     * The guest programs every BAR, memory and IO, and each guest address must reach the machine address the device
     * decodes that BAR at; a device without BARs has nothing to map.
     */
    private static Step guestBars(Machine vdm, PhysicalFunction f, XenPtDevice pt) {
        List<GuestOps.GuestBar> bars = GuestOps.reached(GuestOps.programBars(vdm, pt), pt);
        if (bars.isEmpty()) return new Step("guest-bars", Trace.Verdict.INFO, "nothing to map: the device has no BARs");
        StringBuilder ok = new StringBuilder();
        for (GuestOps.GuestBar b : bars) {
            String space = b.space() == GuestBarPlan.Space.IO ? "io" : "mem";
            if (GuestOps.reachesQemusTable(pt, b)) {
                // QEMU's MSI-X table region covers the whole BAR: the guest reaches QEMU there, never the device
                if (!ok.isEmpty()) ok.append(", ");
                ok.append(String.format("BAR%d mem 0x%x -> QEMU's MSI-X table", b.bar(), b.guest()));
                continue;
            }
            if (!GuestOps.deviceDecodes(vdm, pt, b)) {
                String decodes = f.barDecodes(b.bar()) ? String.format("decodes BAR%d at 0x%x", b.bar(), f.barAddress(b.bar()))
                        : String.format("does not decode BAR%d", b.bar());
                return new Step("guest-bars", Trace.Verdict.FAILED, String.format("guest BAR%d %s 0x%x -> machine %s, but the device %s", b.bar(), space,
                        b.guest(), b.machine() < 0 ? "nothing" : String.format("0x%x", b.machine()), decodes));
            }
            if (!ok.isEmpty()) ok.append(", ");
            ok.append(String.format("BAR%d %s 0x%x -> 0x%x", b.bar(), space, b.guest(), b.machine()));
        }
        return new Step("guest-bars", Trace.Verdict.OK, "guest " + ok + ", decoded by the device");
    }

    /** After pcistub_init_device the device's BARs must be the ones it had: a dropped restore leaves reset BARs. */
    private static String restoredBars(Machine vdm, PhysicalFunction f, int[] before) {
        for (int n = 0; n < f.layout().barCount(); n++) {
            if (!f.barImplemented(n)) continue;
            int now = vdm.host().read(f.sbdf(), 0x10 + 4 * n, 4);
            if (now != before[n]) {
                return String.format("the restore was dropped: BAR%d reads 0x%08x, was 0x%08x (vPCI still believes it is mapped)",
                        n, now, before[n]);
            }
        }
        return null;
    }

    /** The machine irq the guest's INTx was mapped from, against the device's real GSI. */
    private static String wrongLine(Machine vdm, Sbdf device, XenPtDevice pt) {
        if (pt.interruptPin() == 0) return null;
        int gsi = vdm.host().route(device).map(IntxRoute::gsi).orElse(-1);
        int machine = pt.guest().pirqs().irq(pt.machineIrq());
        if (pt.machineIrq() != 0 && machine != gsi) {
            return String.format("the wrong line: machine irq %d mapped (dom0's IRQ number), the device is on GSI %d", machine, gsi);
        }
        return null;
    }

    /** The index libxl gave the refused map_pirq, if it is not the device's GSI: a Linux IRQ number taken for a GSI. */
    private static String wrongIndex(Machine vdm, Sbdf device, AttachResult attach) {
        int gsi = vdm.host().route(device).map(IntxRoute::gsi).orElse(-1);
        if (gsi < 0 || attach.index() < 0 || attach.index() == gsi) return null;
        return String.format("map_pirq was given %d (dom0's IRQ number), the device is on GSI %d: the wrong line", attach.index(), gsi);
    }
}
