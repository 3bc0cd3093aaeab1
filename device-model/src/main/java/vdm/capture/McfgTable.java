package vdm.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * The MCFG (PCI Firmware spec 3.2, 4.1.2): a 36-byte header and 8 reserved bytes, then 16-byte configuration space
 * base address allocations {base u64, segment u16, start bus u8, end bus u8, reserved u32}: where each segment's
 * ECAM (MMCONFIG) window is. A length that leaves a partial entry is an error.
 */
public record McfgTable(List<Segment> segments) {
    public record Segment(long base, int segment, int startBus, int endBus) {
        public boolean covers(int segment, int bus) {
            return this.segment == segment && bus >= startBus && bus <= endBus;
        }

        @Override
        public String toString() {
            return String.format("segment %04x buses %02x..%02x at 0x%x", segment, startBus, endBus, base);
        }
    }

    public McfgTable {
        segments = List.copyOf(segments);
    }

    public static McfgTable parse(AcpiTable t) {
        if (!t.signature().equals("MCFG")) throw new CaptureException(t.origin() + ": signature '" + t.signature() + "' is not MCFG");
        if (t.length() < 44 || (t.length() - 44) % 16 != 0) {
            throw new CaptureException(String.format("%s: length %d is not 44 + 16 * n (44-byte header, 16-byte entries): truncated entry",
                    t.origin(), t.length()));
        }
        List<Segment> out = new ArrayList<>();
        for (int off = 44; off < t.length(); off += 16) {
            int start = t.u8(off + 10, "start bus"), end = t.u8(off + 11, "end bus");
            if (end < start) {
                throw new CaptureException(String.format("%s: entry at offset %d: end bus %02x is below start bus %02x", t.origin(), off, end, start));
            }
            out.add(new Segment(t.u64(off, "base address"), t.u16(off + 8, "PCI segment group"), start, end));
        }
        return new McfgTable(out);
    }
}
