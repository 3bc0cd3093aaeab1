package vdm.replay;

import java.util.List;
import java.util.Objects;
import vdm.explore.Op;
import vdm.model.Fix;
import vdm.model.Fixes;
import vdm.pci.Sbdf;
import vdm.xen.Domain;

/**
 * One entry of the failure library: a passthrough failure upstream met, with what it takes to replay it exactly. The
 * host it shows on and the device, dom0's kind, the switches with its fix off ({@code broken}) and on
 * ({@code fixed}: {@code broken} with {@code fix} turned on, unless the fix takes a value, as gsi-lookup does), the
 * ordering of the explorer's operations that meets it, what the failing step shows, and how the explorer finds it.
 *
 * @param name      the library's name for it, as {@code vdm replay NAME} takes it: "stale-vpci-cache"
 * @param source    the upstream commit, advisory or thread it comes from
 * @param summary   what goes wrong, in one line
 * @param fixNote   what the switch models, where the fix is not a single upstream switch ("" when it is)
 * @param explorer  how the explorer, given the host, device and operations but not the ordering, finds it
 * @param guestMemory the guest's {@code memory=} in MiB (1024 unless the failure needs another)
 * @param fixedPrints what upstream's fix prints on purpose (Xen's "Device bug: ..." about a device it refuses): lines
 *                  containing one of these texts are what the fixed run is expected to show, not its failures
 * @param withoutDom0Driver functions dom0's kernel has no driver for (empty: every function gets one)
 */
public record KnownFailure(String name, String source, String summary, HostRef host, Sbdf device, Domain.Kind dom0,
                           Fix fix, Fixes broken, Fixes fixed, List<Op> ordering, Expectation expect, String fixNote,
                           ExplorerSearch explorer, int guestMemory, List<String> fixedPrints,
                           java.util.Set<Sbdf> withoutDom0Driver) {
    /**
     * What the replay with the fix off must show: a FAILED event at {@code step} (an operation's label) whose text
     * contains {@code text}, and, when {@code errno} is not 0, an event of that step that returned {@code -errno} or
     * names it.
     */
    public record Expectation(Op step, String text, int errno) {
        public Expectation {
            Objects.requireNonNull(step, "step");
            if (text == null || text.isBlank()) throw new IllegalArgumentException("an expectation needs the text the failing step shows");
        }

        /**
         * Whether the events of the failing step show it: one of them failed, one has the text (it may be a log line
         * beside the hypercall that failed, as Xen's INFO "Cannot bind ..."), and one returned or names the errno.
         */
        public boolean shownBy(List<vdm.system.Trace.Event> stepEvents) {
            boolean failed = stepEvents.stream().anyMatch(e -> e.verdict() == vdm.system.Trace.Verdict.FAILED);
            boolean said = stepEvents.stream().anyMatch(e -> e.message().contains(text) || e.detail().contains(text));
            if (!failed || !said) return false;
            String name = vdm.errno.Errno.name(-errno);
            return errno == 0 || stepEvents.stream().anyMatch(e -> e.result() == -errno || e.message().contains(name));
        }
    }

    /**
     * How the explorer finds the failure: with the entry's operations (or {@code ops}, when the search needs more to
     * choose from), within {@code depth}. A depth of 0 means it cannot, and {@code why} says why.
     */
    public record ExplorerSearch(int depth, List<Op> ops, String why) {
        public static ExplorerSearch within(int depth) {
            return new ExplorerSearch(depth, List.of(), "");
        }

        public static ExplorerSearch cannot(String why) {
            return new ExplorerSearch(0, List.of(), why);
        }

        public boolean finds() {
            return depth > 0;
        }
    }

    public KnownFailure {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(fix, "fix");
        Objects.requireNonNull(broken, "broken");
        Objects.requireNonNull(fixed, "fixed");
        Objects.requireNonNull(expect, "expect");
        Objects.requireNonNull(explorer, "explorer");
        ordering = List.copyOf(ordering);
        if (!ordering.contains(expect.step())) {
            throw new IllegalArgumentException(name + ": the failing step " + expect.step().label() + " is not in the ordering");
        }
        if (broken.equals(fixed)) throw new IllegalArgumentException(name + ": the fixed switches equal the broken ones");
        fixNote = fixNote == null ? "" : fixNote;
        fixedPrints = fixedPrints == null ? List.of() : List.copyOf(fixedPrints);
        withoutDom0Driver = withoutDom0Driver == null ? java.util.Set.of() : java.util.Set.copyOf(withoutDom0Driver);
    }

    /** The operations the explorer chooses from: the entry's own, or the search's when it names them. */
    public List<Op> explorerOps() {
        return explorer.ops().isEmpty() ? ordering.stream().distinct().toList() : explorer.ops();
    }

    /** A builder of entries, so that an entry reads as the facts it holds. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    public static final class Builder {
        private final String name;
        private String source, summary, fixNote = "";
        private HostRef host = HostRef.DEFAULT;
        private Sbdf device;
        private Domain.Kind dom0 = Domain.Kind.PVH;
        private Fix fix;
        private Fixes broken, fixed;
        private List<Op> ordering = List.of();
        private Expectation expect;
        private ExplorerSearch explorer;
        private int guestMemory = vdm.toolstack.GuestMemory.DEFAULT.mib();
        private List<String> fixedPrints = List.of();
        private java.util.Set<Sbdf> withoutDom0Driver = java.util.Set.of();

        private Builder(String name) {
            this.name = name;
        }

        public Builder source(String v) { source = v; return this; }
        public Builder summary(String v) { summary = v; return this; }
        public Builder fixNote(String v) { fixNote = v; return this; }
        public Builder host(HostRef v, Sbdf device) { host = v; this.device = device; return this; }
        public Builder dom0(Domain.Kind v) { dom0 = v; return this; }
        /** The fix and the switches it is off in; fixed is the same with the fix on. */
        public Builder fix(Fix f, Fixes base) { fix = f; broken = base.with(f, false); fixed = base.with(f, true); return this; }
        /** For a fix that takes a value: the two settings given. */
        public Builder fix(Fix f, Fixes off, Fixes on) { fix = f; broken = off; fixed = on; return this; }
        public Builder ordering(Op... ops) { ordering = List.of(ops); return this; }
        public Builder fails(Op step, String text, int errno) { expect = new Expectation(step, text, errno); return this; }
        public Builder fails(Op step, String text) { return fails(step, text, 0); }
        public Builder explorer(ExplorerSearch v) { explorer = v; return this; }
        /** The guest's memory in MiB, where the failure depends on where hvmloader finds RAM. */
        public Builder guestMemory(int mib) { guestMemory = new vdm.toolstack.GuestMemory(mib).mib(); return this; }

        /** Texts of the lines the fix prints on purpose (see {@link KnownFailure#fixedPrints()}). */
        public Builder fixedPrints(String... texts) { fixedPrints = List.of(texts); return this; }

        /** dom0's kernel has no driver for these functions (they stay unbound and not enabled at boot). */
        public Builder withoutDom0Driver(Sbdf... functions) { withoutDom0Driver = java.util.Set.of(functions); return this; }

        public KnownFailure build() {
            return new KnownFailure(name, source, summary, host, device, dom0, fix, broken, fixed, ordering, expect, fixNote, explorer,
                    guestMemory, fixedPrints, withoutDom0Driver);
        }
    }
}
