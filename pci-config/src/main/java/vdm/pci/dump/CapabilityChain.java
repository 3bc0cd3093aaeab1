package vdm.pci.dump;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The capability lists of a dumped configuration space, walked as the PCI (6.7) and PCIe (7.6) specifications link
 * them: standard from the pointer at 0x34 (only if STATUS.CAP_LIST is set), extended from 0x100 (4096-byte dumps).
 * A loop, a misaligned pointer or one out of range is an error naming the offset it was read from.
 */
final class CapabilityChain {
    /** A capability found in a list; {@code room} is the bytes up to the next capability (by offset) or the end. */
    record Found(int offset, int id, int version, boolean extended, int room) {}

    private CapabilityChain() {}

    /** Both lists, each in link order (the order the layout must declare them in to reproduce the pointers). */
    static List<Found> walk(byte[] cfg) {
        List<Found> all = new ArrayList<>(withRoom(standard(cfg), 0x100, false));
        all.addAll(withRoom(extended(cfg), cfg.length, true));
        return all;
    }

    private static List<int[]> standard(byte[] cfg) {
        List<int[]> found = new ArrayList<>(); // {offset, id, version}
        if ((LspciDump.u16(cfg, 0x06) & 0x0010) == 0) return found;
        Map<Integer, Integer> visited = new HashMap<>();
        int from = 0x34;
        int ptr = cfg[0x34] & 0xff;
        while (ptr != 0) {
            if ((ptr & 3) != 0) {
                throw new DumpFormatException(String.format("capability pointer 0x%02x at 0x%02x is not dword-aligned", ptr, from));
            }
            if (ptr < 0x40) {
                throw new DumpFormatException(String.format("capability pointer 0x%02x at 0x%02x points into the header "
                        + "(capabilities live at 0x40..0xff)", ptr, from));
            }
            if (ptr + 2 > cfg.length) {
                throw new DumpFormatException(String.format("capability pointer 0x%02x at 0x%02x points beyond the "
                        + "%d-byte dump", ptr, from, cfg.length));
            }
            Integer before = visited.putIfAbsent(ptr, from);
            if (before != null) {
                throw new DumpFormatException(String.format("capability list loops: pointer at 0x%02x leads back to "
                        + "0x%02x (first reached from 0x%02x)", from, ptr, before));
            }
            found.add(new int[] {ptr, cfg[ptr] & 0xff, 0});
            from = ptr + 1;
            ptr = cfg[ptr + 1] & 0xff;
        }
        return found;
    }

    private static List<int[]> extended(byte[] cfg) {
        List<int[]> found = new ArrayList<>();
        if (cfg.length < 4096) return found;
        int at = 0x100;
        int header = dword(cfg, at);
        if (header == 0 || header == -1) return found; // no extended capabilities (or none readable)
        Map<Integer, Integer> visited = new HashMap<>();
        int from = -1;
        while (true) {
            Integer before = visited.putIfAbsent(at, from);
            if (before != null) {
                throw new DumpFormatException(String.format("extended capability list loops: header at 0x%03x leads "
                        + "back to 0x%03x", from, at));
            }
            found.add(new int[] {at, header & 0xffff, (header >>> 16) & 0xf});
            int next = header >>> 20;
            if (next == 0) break;
            if ((next & 3) != 0) {
                throw new DumpFormatException(String.format("extended capability pointer 0x%03x in the header at 0x%03x "
                        + "is not dword-aligned", next, at));
            }
            if (next < 0x100) {
                throw new DumpFormatException(String.format("extended capability pointer 0x%03x in the header at 0x%03x "
                        + "is below 0x100", next, at));
            }
            from = at;
            at = next;
            header = dword(cfg, at);
        }
        return found;
    }

    private static List<Found> withRoom(List<int[]> linked, int end, boolean extended) {
        List<int[]> byOffset = new ArrayList<>(linked);
        byOffset.sort(Comparator.comparingInt(c -> c[0]));
        List<Found> out = new ArrayList<>();
        for (int[] c : linked) {
            int i = byOffset.indexOf(c);
            int limit = i + 1 < byOffset.size() ? byOffset.get(i + 1)[0] : end;
            out.add(new Found(c[0], c[1], c[2], extended, limit - c[0]));
        }
        return out;
    }

    static int dword(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
