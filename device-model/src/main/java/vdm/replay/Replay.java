package vdm.replay;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import vdm.errno.Errno;
import vdm.explore.Explorer;
import vdm.explore.Op;
import vdm.model.Fixes;
import vdm.system.Machine;
import vdm.system.Trace;

/**
 * Replays a {@link KnownFailure}: its ordering of operations on a fresh model of its host, with its fix off or on,
 * each operation a step of the trace ({@link Explorer#replay}: every hypercall and log line, the operation's own
 * failures, and the invariants checked after it). With the fix off the failing step must show the entry's text and
 * errno; with it on no step may fail and no invariant may break.
 */
public final class Replay {
    private Replay() {}

    /** A builder of the entry's model with the fix off or on. */
    public static Supplier<Machine.Builder> model(KnownFailure f, boolean fixed) {
        Fixes fixes = fixed ? f.fixed() : f.broken();
        return () -> Machine.host(f.host().description().get()).fixes(fixes).dom0(f.dom0()).guestMemory(f.guestMemory())
                .withoutDom0Driver(f.withoutDom0Driver());
    }

    public static Result run(KnownFailure f, boolean fixed) {
        Trace trace = Explorer.replay(model(f, fixed), f.device(), f.ordering());
        return new Result(f, fixed, trace);
    }

    /** One operation of the ordering: its verdict and the line that says why. */
    public record Step(Op op, Trace.Verdict verdict, String summary) {}

    /** A replay's trace and what it shows. */
    public record Result(KnownFailure failure, boolean fixed, Trace trace) {
        /** The ordering's steps: FAILED where an event of the step failed, INFO where the operation did not apply. */
        public List<Step> steps() {
            List<Step> out = new ArrayList<>();
            for (Op op : new LinkedHashSet<>(failure.ordering())) {
                List<Trace.Event> events = events(op);
                Optional<Trace.Event> failed = events.stream().filter(e -> e.verdict() == Trace.Verdict.FAILED).findFirst();
                boolean skipped = events.stream().anyMatch(e -> e.source() == Trace.Source.STEP && e.message().endsWith(": does not apply here"));
                out.add(failed.map(e -> new Step(op, Trace.Verdict.FAILED, e.message()))
                        .orElseGet(() -> skipped ? new Step(op, Trace.Verdict.INFO, "does not apply here") : new Step(op, Trace.Verdict.OK, op.description())));
            }
            return out;
        }

        private List<Trace.Event> events(Op op) {
            return trace.events().stream().filter(e -> e.step().equals(op.label())).toList();
        }

        /** Every event that failed, invariants included; with the fix on, not the lines the fix prints on purpose. */
        public List<Trace.Event> failures() {
            return trace.events().stream().filter(e -> e.verdict() == Trace.Verdict.FAILED && !(fixed && printedByTheFix(e))).toList();
        }

        /** A line of {@link KnownFailure#fixedPrints()}. */
        public boolean printedByTheFix(Trace.Event e) {
            for (String t : failure.fixedPrints()) if (e.message().contains(t)) return true;
            return false;
        }

        /**
         * The failure as the entry names it: a FAILED event at the failing step with its text, and its errno
         * returned or named by an event of that step.
         */
        public boolean reproduced() {
            return failure.expect().shownBy(events(failure.expect().step()));
        }

        /** Nothing failed and no invariant broke. */
        public boolean clean() {
            return failures().isEmpty();
        }

        /**
         * The command's exit status: with the fix off 1 when the failure shows as named, 3 when it does not (the
         * model no longer replays it); with the fix on 0 when the replay is clean, 1 when it is not.
         */
        public int exitCode() {
            if (fixed) return clean() ? 0 : 1;
            return reproduced() ? 1 : 3;
        }

        /** The verdict in one line. */
        public String verdict() {
            if (fixed) return clean() ? "fixed: no step failed, no invariant broke"
                    : "NOT FIXED: " + failures().size() + " failed events, the first: " + failures().getFirst().message();
            return reproduced() ? "reproduced at " + failure.expect().step().label() + ": " + failure.expect().text()
                    : "NOT REPRODUCED: expected at " + failure.expect().step().label() + ": " + failure.expect().text()
                      + (failure.expect().errno() == 0 ? "" : " (" + Errno.name(-failure.expect().errno()) + ")");
        }

        /** Aligned steps, failures marked, each followed by its events, then the verdict. */
        public String render() {
            KnownFailure f = failure;
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("vdm replay %s%s: %s%n  source: %s%n  host %s, device %s, %s dom0, fix %s %s%n  fixes: %s%n%n",
                    f.name(), fixed ? " --fixed" : "", f.summary(), f.source(), f.host().name(), f.device(),
                    f.dom0().name().toLowerCase(), f.fix().label(), fixed ? "on" : "off", fixed ? f.fixed() : f.broken()));
            if (f.guestMemory() != vdm.toolstack.GuestMemory.DEFAULT.mib()) sb.insert(sb.length() - 1, String.format("  guest memory=%d%n", f.guestMemory()));
            List<Step> steps = steps();
            int width = steps.stream().mapToInt(s -> s.op().label().length()).max().orElse(10);
            for (Step s : steps) {
                String mark = switch (s.verdict()) {
                    case OK -> "ok  ";
                    case FAILED -> "FAIL";
                    case INFO, EXPECTED -> "--  ";
                };
                sb.append(String.format("%s  %-" + width + "s  %s%n", mark, s.op().label(), s.summary()));
                for (Trace.Event e : events(s.op())) {
                    String flag = e.verdict() == Trace.Verdict.FAILED ? "!" : e.verdict() == Trace.Verdict.EXPECTED ? "~" : " ";
                    String detail = e.detail().isEmpty() ? "" : "  [" + e.detail() + "]";
                    sb.append(String.format("      %s %-9s %s%s%n", flag, e.source().name().toLowerCase(), e.message(), detail));
                }
            }
            sb.append(String.format("%n%s%n", verdict()));
            return sb.toString();
        }
    }
}
