package vdm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vdm.Vdm;
import vdm.explore.Checkpoint;
import vdm.explore.Explorer;
import vdm.explore.Progress;
import vdm.explore.SearchLimits;
import vdm.persist.CheckpointFile;
import vdm.explore.Finding;
import vdm.explore.Op;
import vdm.explore.Setting;
import vdm.pci.Sbdf;
import vdm.persist.ScenarioFile;
import vdm.scenario.DeviceChoice;
import vdm.model.Fixes;
import vdm.model.Preset;
import vdm.system.Trace;
import vdm.xen.Domain;

/**
 * {@code vdm explore}: searches the orderings of passthrough operations on one device, or on several and several
 * guests ({@code --devices}, {@code --guests}), for failed steps and broken invariants, and prints each finding with its shortest ordering and trace; {@code --out DIR} writes each as a
 * replayable scenario file, and {@code --replay FILE} replays one. Exit 0 without findings, 1 with, 2 for bad input.
 */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = {"Explores orderings of passthrough operations and reports each failure with its shortest ordering.",
                "A failure is a failed step or a broken invariant; the search is breadth first, pruning seen states.",
                "Exit 0 without findings, 1 with, 2 for bad input (a path that cannot be used included)."})
final class ExploreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    FixOptions fixes;

    @Option(names = "--ops", paramLabel = "LIST", split = ",",
            description = "Operations to interleave (default: the INTx-era ones, every one up to intx): enable, disable, bar-move, "
                    + "bar-move-hot, reset, notify, restore, setup-gsi, assign, attach, detach, guest-bar, intx; msix-enable, "
                    + "msix-disable, msix-mask, msix-unmask, msix-write, msix-fire, msi-enable, msi-disable, msi-fire, "
                    + "table-bar-move, map-before-assign; srs. 'msi' stands for the MSI set (assign, map-before-assign, attach, "
                    + "guest-bar, the msix-* and msi-* ones, table-bar-move, bar-move, detach).")
    List<String> ops;

    @Option(names = "--devices", paramLabel = "LIST|all",
            description = "Explore several devices at once: SBDFs separated by commas (the first as --device), or all (every assignable "
                    + "endpoint of the host). Each operation then names its device, and attach and map-before-assign their guest: "
                    + "reset(0000:01:00.1), attach(0000:01:00.0->g2).")
    String devices;

    @Option(names = "--guests", paramLabel = "N", description = "Guests to attach to, 1..4 (default: 1). Guests holding no device, "
            + "iomem or irq permission or pirq are interchangeable: only the lowest-numbered of them is tried.")
    Integer guests;

    @Option(names = "--depth", defaultValue = "4", paramLabel = "N", description = "Longest ordering (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--out", paramLabel = "DIR", description = "Write each finding as DIR/finding-N.json.")
    Path out;

    @Option(names = "--replay", paramLabel = "FILE", description = "Replay a scenario file instead of exploring.")
    Path replay;

    @Option(names = "--quiet", description = "Do not print the traces, only the findings.")
    boolean quiet;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads, each with a model of its own (default: the "
            + "machine's cores). The findings, their orderings and every count are the same on any number.")
    Integer threads;

    @Option(names = "--max-states", paramLabel = "N", defaultValue = "0", description = "Stop once N distinct states are held "
            + "(0: no limit), at a node boundary, leaving a checkpoint.")
    long maxStates;

    @Option(names = "--max-memory", paramLabel = "SIZE", description = "Stop once the stored states (seen set and search tree) "
            + "take SIZE bytes (K, M, G suffixes, binary), leaving a checkpoint.")
    String maxMemory;

    @Option(names = "--checkpoint", paramLabel = "FILE", defaultValue = "explore-checkpoint.json",
            description = "Where a stopped search writes its checkpoint (default: ${DEFAULT-VALUE}).")
    Path checkpoint;

    @Option(names = "--resume", paramLabel = "FILE", description = "Resume a stopped search from its checkpoint (same host, "
            + "preset, fixes, devices, guests, operations and depth).")
    Path resume;

    @Option(names = "--progress-every", paramLabel = "MS", defaultValue = "1000", hidden = true,
            description = "Least milliseconds between progress lines on stderr (0: after every node).")
    long progressEvery;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (fixes.listed(o)) return 0;
        try {
            if (replay != null) return replay(o);
            if (out != null) PathArgs.directoryOrAbsent("--out", out); // before the search, not after it
            Preset p = model.preset();
            DeviceChoice choice = model.device();
            Sbdf sbdf = choice.device();
            Domain.Kind kind = model.dom0Kind();
            List<Op> set = new ArrayList<>();
            if (ops == null || ops.isEmpty()) set.addAll(Op.STANDARD);
            else for (String s : ops) {
                if (s.trim().equals("msi")) set.addAll(Op.MSI_SET); else set.add(Op.of(s.trim()));
            }
            if (depth < 1 || depth > 16) throw new IllegalArgumentException("--depth must be 1..16, not " + depth);
            Fixes fx = fixes.apply(p.fixes());
            Supplier<Vdm.Builder> fresh = () -> model.builder(fx, kind);
            Setting setting = setting(fresh.get(), sbdf);
            String named = String.join(",", set.stream().map(Op::label).toList());
            if (setting.devices().size() > 1 || setting.guests() > 1) {
                set = setting.ops(Op.kinds(set)); // every kind on every device (and guest)
                named += " on each device (" + set.size() + " operations)";
            }
            int n0 = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            if (n0 < 1 || n0 > 256) throw new IllegalArgumentException("--threads must be 1..256, not " + n0);
            if (maxStates < 0) throw new IllegalArgumentException("--max-states must be 0 or more, not " + maxStates);
            if (progressEvery < 0) throw new IllegalArgumentException("--progress-every must be 0 or more, not " + progressEvery);
            long memory = maxMemory == null ? 0 : SearchLimits.parseBytes(maxMemory);
            if (maxStates > 0 || memory > 0) checkpointWritable();
            Checkpoint from = null;
            if (resume != null) {
                PathArgs.readableFile("--resume", resume);
                try {
                    from = CheckpointFile.parse(Files.readString(resume));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--resume " + resume + ": " + e.getMessage());
                }
            }
            Progress progress = new Progress(line -> {
                err.println(line);
                err.flush();
            }, System::nanoTime, progressEvery * 1_000_000L);
            Explorer.Options options = Explorer.Options.depth(depth).threads(n0).limits(new SearchLimits(maxStates, memory))
                    .progress(progress).resume(from);
            Explorer.Result r;
            try {
                r = new Explorer(fresh, setting, set).explore(options);
            } catch (IllegalArgumentException e) {
                if (from == null) throw e;
                throw new IllegalArgumentException("--resume " + resume + ": " + e.getMessage());
            }
            o.printf("vdm explore: %s, %s dom0, %s %s%s, depth %d, operations %s%n  fixes: %s%n%n", p.label() + fixes.suffix(), kind,
                    setting.devices().size() == 1 ? "device" : "devices", String.join(",", setting.devices().stream().map(Sbdf::toString).toList()),
                    setting.guests() == 1 ? "" : ", " + setting.guests() + " guests", depth, named, fx);
            if (!choice.named() && devices == null) o.printf("device %s%n%n", choice.describe());
            int n = 0;
            for (Finding f : r.findings()) {
                n++;
                o.printf("finding %d: %s%n  ordering: %s%n", n, f.message(), f.ordering().isEmpty() ? "(at boot)" : f.orderingText());
                if (!quiet) printTrace(o, f.trace());
                if (out != null) {
                    Files.createDirectories(out);
                    Path file = out.resolve("finding-" + n + ".json");
                    Files.writeString(file, ScenarioFile.of(f, p.label(), fixes.settings, kind.name().toLowerCase(), sbdf.toString()).toJson());
                    o.printf("  scenario file: %s%n", file);
                }
                o.println();
            }
            o.printf("%d findings; %d states explored (%d distinct) in %.1f s, %.0f states/s on %d threads, %.0f bytes a stored state%n",
                    r.findings().size(), r.statesExplored(), r.distinctStates(), r.nanos() / 1e9, r.statesPerSecond(), n0,
                    r.bytesPerStoredState());
            if (!r.complete()) {
                Explorer.Stop stop = r.stop();
                Files.writeString(checkpoint, CheckpointFile.toJson(stop.checkpoint()));
                o.printf("stopped: %s, expanding level %d of %d with %d of its nodes left (orderings up to %d operations seen)%n"
                                + "  checkpoint: %s (continue with --resume %s)%n",
                        stop.why(), stop.level() + 1, depth, stop.nodesLeft(), r.depthReached(), checkpoint, checkpoint);
            }
            o.flush();
            return r.findings().isEmpty() ? 0 : 1;
        } catch (IllegalArgumentException e) {
            err.println("vdm explore: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("vdm explore: " + PathArgs.describe(e));
            return 2;
        }
    }

    /** Refuses a --checkpoint path that cannot be written, before the search rather than after it. */
    private void checkpointWritable() {
        if (Files.isDirectory(checkpoint)) throw PathArgs.bad("--checkpoint", checkpoint, "Is a directory");
        Path parent = checkpoint.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw PathArgs.bad("--checkpoint", checkpoint, Files.exists(parent) ? "Not a directory" : "No such file or directory");
        }
    }

    private int replay(PrintWriter o) throws IOException {
        PathArgs.readableFile("--replay", replay);
        ScenarioFile f = ScenarioFile.parse(Files.readString(replay));
        Preset p = Preset.of(f.preset());
        Domain.Kind kind = ModelOptions.kind(f.dom0());
        // the file's own --fix settings on top of its preset, then any given on this command line
        Fixes fx = fixes.apply(f.fixesOn(p.fixes()));
        Trace t = Explorer.replay(() -> model.builder(fx, kind), replaySetting(Sbdf.parse(f.device()), f.ops()), f.ops());
        StringBuilder label = new StringBuilder(p.label());
        for (String s : f.fixes()) label.append(" + ").append(s);
        o.printf("vdm explore --replay %s: %s, %s dom0, device %s, ordering %s%n  fixes: %s%n", replay, label + fixes.suffix(),
                kind, f.device(), String.join(" -> ", f.ops().stream().map(Op::label).toList()), fx);
        printTrace(o, t.events());
        long failed = t.events().stream().filter(e -> e.source() == Trace.Source.STEP || e.source() == Trace.Source.INVARIANT)
                .filter(e -> e.verdict() == Trace.Verdict.FAILED).count();
        o.printf("%d failures%n", failed);
        o.flush();
        return failed == 0 ? 0 : 1;
    }

    /**
     * The devices and guests to explore: --devices (all, or a list), else the one device; --guests, else 1. A bad
     * list, an unknown device, --devices with --device, or a guest count out of 1..4 is a usage error.
     */
    private Setting setting(Vdm.Builder builder, Sbdf device) {
        int n = guests == null ? 1 : guests;
        if (devices == null) return new Setting(List.of(device), n);
        if (model.device != null) throw new IllegalArgumentException("--devices and --device name the devices twice: give one");
        return Setting.of(builder.description(), devices, n);
    }

    /**
     * The setting a scenario file's ordering ran in: its device first, then every other device an operation names, and
     * as many guests as the highest an operation names (guests named by none are blank, so leaving them out changes
     * nothing the ordering reaches).
     */
    static Setting replaySetting(Sbdf device, List<Op> ordering) {
        java.util.LinkedHashSet<Sbdf> ds = new java.util.LinkedHashSet<>(List.of(device));
        int g = 1;
        for (Op op : ordering) {
            if (op.device() != null) ds.add(op.device());
            g = Math.max(g, op.guest());
        }
        return new Setting(List.copyOf(ds), g);
    }

    /** The operations' own steps, hypercalls and failures, skipping boot and the kernel's restore retries. */
    private static void printTrace(PrintWriter o, List<Trace.Event> events) {
        for (Trace.Event e : events) {
            if (e.step().equals("boot") || e.message().contains("restore config")) continue;
            String flag = e.verdict() == Trace.Verdict.FAILED ? "!" : " ";
            o.printf("    %s %-14s %-9s %s%s%n", flag, e.step(), e.source().name().toLowerCase(), e.message(),
                    e.detail().isEmpty() ? "" : "  [" + e.detail() + "]");
        }
    }
}
