package vdm.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vdm.replay.FailureLibrary;
import vdm.replay.KnownFailure;
import vdm.replay.Replay;
import vdm.replay.Search;

/**
 * {@code vdm replay}: the failure library. {@code --list} prints each entry; {@code NAME} replays one with its fix off
 * (exit 1 when the failure shows as the entry names it, 3 when it does not reproduce) or with {@code --fixed} on
 * (exit 0 clean, 1 not); {@code --all} runs every entry and exits 0 only if each behaves. An unknown name exits 2.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays a failure of the library (a passthrough failure upstream met) on its host.",
                "With its fix off: exit 1, it showed; 3, it did not reproduce. With --fixed: exit 0, clean; 1, not.",
                "--list names the entries; --all runs every one (exit 0 only if each behaves); an unknown NAME exits 2."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The entry, as --list names it.")
    String name;

    @Option(names = "--list", description = "Print each entry: name, one-line summary, upstream source.")
    boolean list;

    @Option(names = "--all", description = "Replay every entry and print one line each.")
    boolean all;

    @Option(names = "--fixed", description = "Replay with the entry's fix on: no step may fail, no invariant break.")
    boolean fixed;

    @Option(names = "--json", description = "Print the replay as JSON lines: the entry, its steps, the trace, the verdict.")
    boolean json;

    @Option(names = "--explore", description = "Instead of the ordering, let the explorer search the entry's host, device and "
            + "operations to the entry's depth (exit 1: it found the failure; 3: it did not; with --fixed 0: not found).")
    boolean explore;

    @Option(names = "--devices", paramLabel = "LIST|all", description = "With --explore: search every assignable endpoint of the "
            + "entry's host (all) or these SBDFs, each device's operations, not told the entry's device (shared-intx becomes dom0-intx).")
    String devices;

    @Option(names = "--guests", paramLabel = "N", description = "With --devices: guests to attach to, 1..4 (default: 2).")
    Integer guests;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if ((list || all) && name != null) throw new ParameterException(spec.commandLine(), (list ? "--list" : "--all") + " takes no NAME");
        if (list && all) throw new ParameterException(spec.commandLine(), "--list and --all go alone");
        if (json && (list || all)) throw new ParameterException(spec.commandLine(), "--json goes with a NAME");
        if (explore && (list || all || json)) throw new ParameterException(spec.commandLine(), "--explore goes with a NAME, without --json");
        if ((devices != null || guests != null) && !explore) throw new ParameterException(spec.commandLine(), "--devices and --guests go with --explore");
        if (guests != null && devices == null) throw new ParameterException(spec.commandLine(), "--guests goes with --devices");
        if (list) {
            if (fixed) throw new ParameterException(spec.commandLine(), "--fixed goes with a NAME or --all");
            out.print(FailureLibrary.list());
            out.flush();
            return 0;
        }
        if (all) return all(out);
        if (name == null) throw new ParameterException(spec.commandLine(), "a failure's NAME, --list or --all is missing");
        KnownFailure f;
        try {
            f = FailureLibrary.named(name);
        } catch (IllegalArgumentException e) {
            err.println("vdm replay: " + e.getMessage());
            return 2;
        }
        if (explore) {
            if (!f.explorer().finds()) {
                err.println("vdm replay: " + f.name() + ": the explorer cannot find it: " + f.explorer().why());
                return 2;
            }
            Search found;
            try {
                found = devices == null ? Search.run(f, fixed) : Search.unaided(f, fixed, devices, guests == null ? 2 : guests);
            } catch (IllegalArgumentException e) {
                err.println("vdm replay: " + e.getMessage());
                return 2;
            }
            out.print(found.render());
            out.flush();
            return found.exitCode();
        }
        Replay.Result r = Replay.run(f, fixed);
        out.print(json ? ReplayJson.lines(r) : r.render());
        out.flush();
        return r.exitCode();
    }

    /** One line per entry, its status and verdict; exit 0 only if each reproduces (fix off) or is clean (fix on). */
    private int all(PrintWriter out) {
        List<KnownFailure> entries = FailureLibrary.all();
        int w = entries.stream().mapToInt(f -> f.name().length()).max().orElse(10);
        int behaved = 0;
        for (KnownFailure f : entries) {
            String status, verdict;
            boolean ok;
            try {
                Replay.Result r = Replay.run(f, fixed);
                ok = fixed ? r.exitCode() == 0 : r.exitCode() == 1;
                status = ok ? (fixed ? "clean" : "reproduced") : (fixed ? "NOT FIXED" : "NOT REPRODUCED");
                verdict = r.verdict();
            } catch (RuntimeException e) {
                ok = false;
                status = "ERROR";
                verdict = e.toString();
            }
            if (ok) behaved++;
            out.printf("%-" + w + "s  %-14s  %s%n", f.name(), status, verdict);
        }
        out.printf("%n%d of %d entries %s%n", behaved, entries.size(),
                fixed ? "clean with the fix on" : "reproduce with the fix off");
        out.flush();
        return behaved == entries.size() ? 0 : 1;
    }
}
