package vdm.xen;

/**
 * The work modify_bars defers to the writing vCPU (Xen's defer_map, which fills {@code v->vpci}): as data, which BARs
 * of one device to map or unmap in the owner's p2m, and the COMMAND value (or, for a ROM toggle, the ROM register
 * value) that modify_decoding writes to the hardware once the p2m is done. A vPCI write returns it; {@link Xen}
 * attaches it to the vCPU, and {@link Vcpu#resume()} applies it before the guest runs again
 * (vpci_process_pending), so nothing between the trap and the p2m calls back into the handler that asked.
 *
 * @param header  the device's header state (Xen's {@code v->vpci.pdev}), whose decoding state modify_decoding sets
 * @param p2m     the owner domain's p2m
 * @param bars    the BARs to change, each at most once; {@code map} says in which direction
 * @param command the COMMAND value to write last, or the ROM register value when {@code romOnly}
 * @param next    further work attached to the same vCPU before it resumed, or null
 */
public record PendingMapping(Header header, P2m p2m, BarState[] bars, boolean map, int command, boolean romOnly,
                             PendingMapping next) {

    /** This work followed by {@code after} (a vCPU that traps twice before resuming: only tests and Xen itself do). */
    PendingMapping then(PendingMapping after) {
        return new PendingMapping(header, p2m, bars, map, command, romOnly, next == null ? after : next.then(after));
    }

    /**
     * vpci_process_pending: (un)maps each BAR's range in the p2m (a BAR already in the wanted state is skipped; a
     * range the p2m refuses is logged and left), then modify_decoding. Under the device's vPCI lock, as Xen holds
     * it. Returns the number of ranges (un)mapped, over the whole chain.
     */
    int apply() {
        int n = 0;
        for (PendingMapping p = this; p != null; p = p.next) n += p.applyOne();
        return n;
    }

    private int applyOne() {
        synchronized (header.vpci()) {
            int n = 0;
            boolean guest = header.guest();
            for (BarState bar : bars) {
                if (bar.enabled == map) continue;
                long gaddr = guest ? bar.guestAddr : bar.addr;
                int rc = map ? p2m.map(gaddr, bar.size, bar.addr, bar.owner) : p2m.unmap(gaddr, bar.size);
                if (rc != 0) {
                    header.mappingFailed(map, gaddr, bar.size, rc);
                    continue;
                }
                bar.enabled = map;
                n++;
            }
            header.modifyDecoding(map, command, romOnly);
            return n;
        }
    }

    @Override
    public String toString() {
        return String.format("%s %d BAR(s) of %s, then %s 0x%x", map ? "map" : "unmap", bars.length, header.sbdf(),
                romOnly ? "ROM" : "COMMAND", command);
    }
}
