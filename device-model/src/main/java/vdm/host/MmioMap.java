package vdm.host;

import java.util.List;
import vdm.pci.layout.BarKind;

/**
 * Which memory BARs decode where, for host MMIO decode: every implemented memory BAR that decodes by its own registers
 * ({@link PhysicalFunction#barDecodes}), sorted by base. Immutable once built; the host builds a new one after a
 * config write or reset changed a BAR, COMMAND's memory enable, a bridge or a function's state
 * ({@link Host#mmioChanged()}), so an access costs a binary search, not a walk of every function.
 * <p>
 * A lookup re-checks its candidate against the registers as they are now (the BAR still decodes there, and every
 * bridge above forwards the address: {@link Bridge#forwardsMemory}), so a BAR a caller moved through
 * {@link PhysicalFunction#config()} directly, bypassing the bus, is never answered at its old address; such a
 * change is seen at a new address after the next {@link Host#mmioChanged()}. Two BARs decoding one address is a
 * conflict on real hardware (both would claim the transaction); here the one with the higher base answers.
 */
final class MmioMap {
    final long generation;
    private final long[] base, last, maxLast;
    private final PhysicalFunction[] function;
    private final int[] bar;

    private MmioMap(long generation, int n) {
        this.generation = generation;
        base = new long[n];
        last = new long[n];
        maxLast = new long[n];
        function = new PhysicalFunction[n];
        bar = new int[n];
    }

    static MmioMap build(List<PhysicalFunction> functions, long generation) {
        int n = 0;
        for (PhysicalFunction f : functions) for (int b = 0; b < f.layout().barCount(); b++) if (decodesMemory(f, b)) n++;
        MmioMap m = new MmioMap(generation, n);
        int i = 0;
        for (PhysicalFunction f : functions) {
            for (int b = 0; b < f.layout().barCount(); b++) {
                if (!decodesMemory(f, b)) continue;
                long start = f.barAddress(b), end = start + f.barSize(b) - 1;
                int j = i++;
                for (; j > 0 && Long.compareUnsigned(m.base[j - 1], start) > 0; j--) { // insertion by base
                    m.base[j] = m.base[j - 1];
                    m.last[j] = m.last[j - 1];
                    m.function[j] = m.function[j - 1];
                    m.bar[j] = m.bar[j - 1];
                }
                m.base[j] = start;
                m.last[j] = end;
                m.function[j] = f;
                m.bar[j] = b;
            }
        }
        for (int k = 0; k < n; k++) {
            m.maxLast[k] = k == 0 || Long.compareUnsigned(m.last[k], m.maxLast[k - 1]) > 0 ? m.last[k] : m.maxLast[k - 1];
        }
        return m;
    }

    private static boolean decodesMemory(PhysicalFunction f, int b) {
        BarKind k = f.barKind(b);
        return k != null && k != BarKind.IO && f.barDecodes(b);
    }

    /**
     * The slot of the BAR that takes {@code size} bytes at {@code address} now, -1 if none, or -2 if a candidate no
     * longer decodes where this map says (the map is stale: rebuild and ask again).
     */
    int find(long address, int size) {
        int lo = 0, hi = base.length - 1, at = -1;
        while (lo <= hi) { // the last slot whose base <= address
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(base[mid], address) <= 0) {
                at = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        long end = address + size - 1;
        for (int i = at; i >= 0 && Long.compareUnsigned(maxLast[i], address) >= 0; i--) {
            if (Long.compareUnsigned(last[i], end) < 0 || Long.compareUnsigned(end, address) < 0) continue;
            PhysicalFunction f = function[i];
            int b = bar[i];
            if (!f.barDecodes(b) || f.barAddress(b) != base[i]) return -2;
            if (forwarded(f, address, size)) return i;
        }
        return -1;
    }

    /** True if every bridge between the root bus and {@code f} forwards the access (a root-bus function: always). */
    static boolean forwarded(PhysicalFunction f, long address, int size) {
        for (Bridge b = f.upstreamOrNull(); b != null; b = b.function().upstreamOrNull()) {
            if (!b.forwardsMemory(address, size)) return false;
        }
        return true;
    }

    PhysicalFunction function(int slot) {
        return function[slot];
    }

    int bar(int slot) {
        return bar[slot];
    }

    long offset(int slot, long address) {
        return address - base[slot];
    }
}
