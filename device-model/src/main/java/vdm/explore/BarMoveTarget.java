package vdm.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import vdm.host.Bridge;
import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.host.Window;
import vdm.pci.layout.BarKind;

/**
 * Where dom0 can move a BAR on this host: the lowest naturally aligned address, other than the one the BAR holds,
 * inside the window its traffic reaches it through and overlapping nothing else that decodes there.
 * <p>The window: behind a bridge, the bridge's window for the BAR's kind (the I/O window; the prefetchable window
 * for a prefetchable BAR that can reach it, as Linux's pbus_size_mem puts 64-bit prefetchable BARs there; else the
 * memory window). On a root bus, the root bus's range ({@link Host#rootBusRanges()}, the same ones dom0's resource
 * code allocates in), minus every bridge's windows, which route those addresses to the bus below.
 */
final class BarMoveTarget {
    private static final long FOUR_GIB = 1L << 32;

    private BarMoveTarget() {}

    /** The address BAR n of {@code f} can move to, or empty if its window has no other free aligned place. */
    static Optional<Long> of(Host host, PhysicalFunction f, int n) {
        return of(host, f, n, List.of());
    }

    /**
     * The same, avoiding also the ranges {@code taken} ([start, end) pairs): the places already chosen for other devices
     * of a search, which dom0 never gives two BARs at once.
     */
    static Optional<Long> of(Host host, PhysicalFunction f, int n, List<long[]> taken) {
        if (!f.barImplemented(n)) return Optional.empty();
        long size = f.barSize(n);
        boolean io = f.barKind(n) == BarKind.IO;
        Optional<Window> window = window(host, f, n);
        if (window.isEmpty()) return Optional.empty();
        List<long[]> busy = busy(host, f, n, io);
        busy.addAll(taken);
        long current = f.barAddress(n);
        Window w = window.get();
        long candidate = align(w.base(), size);
        while (candidate >= w.base() && candidate + size - 1 <= w.limit()) {
            long next = -1;
            if (candidate == current) next = candidate + size;
            for (long[] r : busy) {
                if (candidate < r[1] && r[0] < candidate + size) next = Math.max(next, r[1]);
            }
            if (next < 0) return Optional.of(candidate);
            candidate = align(next, size);
        }
        return Optional.empty();
    }

    /** The window BAR n's addresses reach the function through. */
    static Optional<Window> window(Host host, PhysicalFunction f, int n) {
        boolean io = f.barKind(n) == BarKind.IO;
        boolean is64 = f.barKind(n) == BarKind.MEM64;
        Optional<Bridge> up = f.upstream();
        if (up.isPresent()) {
            Bridge b = up.get();
            if (io) return b.ioWindow();
            Optional<Window> pref = b.prefetchableWindow();
            if (f.barPrefetchable(n) && pref.isPresent() && (is64 || pref.get().limit() < FOUR_GIB)) return pref;
            return b.memoryWindow();
        }
        var root = host.rootBusRanges();
        return Optional.of(io ? root.io() : is64 ? root.memory64() : root.memory());
    }

    /** What already decodes in the BAR's space: every other BAR and ROM, and on a root bus every bridge's windows. */
    private static List<long[]> busy(Host host, PhysicalFunction f, int n, boolean io) {
        List<long[]> out = new ArrayList<>();
        for (PhysicalFunction g : host.functions()) {
            for (int k = 0; k < g.layout().barCount(); k++) {
                if (!g.barImplemented(k) || (g == f && k == n) || (g.barKind(k) == BarKind.IO) != io) continue;
                long a = g.barAddress(k);
                if (a != 0) out.add(new long[] {a, a + g.barSize(k)});
            }
            if (!io && g.romSize() > 0 && g.romAddress() != 0) out.add(new long[] {g.romAddress(), g.romAddress() + g.romSize()});
        }
        for (Bridge b : host.bridges()) {
            if (f.upstream().map(up -> up == b).orElse(false)) continue; // the window the BAR lives in
            List<Optional<Window>> ws = io ? List.of(b.ioWindow()) : List.of(b.memoryWindow(), b.prefetchableWindow());
            for (Optional<Window> w : ws) w.ifPresent(x -> out.add(new long[] {x.base(), x.limit() + 1}));
        }
        return out;
    }

    private static long align(long address, long size) {
        return (address + size - 1) & -size;
    }
}
