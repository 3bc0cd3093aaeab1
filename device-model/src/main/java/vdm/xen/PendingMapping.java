package vdm.xen;

import java.util.List;

/**
 * The mapping work modify_bars defers: which BARs of one device to map or unmap in the owner's p2m, and the
 * COMMAND (or ROM) value to write to the hardware once done (Xen's apply_map / modify_decoding).
 */
final class PendingMapping {
    private final Header header;
    private final List<BarState> bars;
    private final boolean map;
    private final int command;
    private final boolean romOnly;
    private final int romValue;
    private PendingMapping next;

    PendingMapping(Header header, List<BarState> bars, boolean map, int command, boolean romOnly, int romValue) {
        this.header = header;
        this.bars = bars;
        this.map = map;
        this.command = command;
        this.romOnly = romOnly;
        this.romValue = romValue;
    }

    PendingMapping then(PendingMapping after) {
        PendingMapping t = this;
        while (t.next != null) t = t.next;
        t.next = after;
        return this;
    }

    int apply() {
        int n = 0;
        for (PendingMapping p = this; p != null; p = p.next) n += p.header.applyMapping(p.bars, p.map, p.command, p.romOnly, p.romValue);
        return n;
    }
}
