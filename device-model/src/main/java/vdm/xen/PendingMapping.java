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
                int rc = changePieces(bar, gaddr);
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

    /**
     * (Un)maps the BAR's range without its MSI-X table and PBA pages (modify_bars removes them), piece by piece; a
     * refused piece puts back the ones done before it, so the BAR is left as it was. Returns 0 or the p2m's errno.
     */
    private int changePieces(BarState bar, long gaddr) {
        long gfn = P2m.firstFrame(gaddr), mfn = P2m.firstFrame(bar.addr);
        long[] pieces = header.mappedPieces(gfn, P2m.frames(gaddr, bar.size));
        for (int i = 0; i < pieces.length; i += 2) {
            long at = pieces[i], pages = pieces[i + 1];
            int rc = map ? p2m.mapFrames(at, pages, mfn + (at - gfn), bar.owner) : p2m.unmapFrames(at, pages);
            if (rc != 0) {
                for (int j = i - 2; j >= 0; j -= 2) {
                    if (map) p2m.unmapFrames(pieces[j], pieces[j + 1]);
                    else p2m.mapFrames(pieces[j], pieces[j + 1], mfn + (pieces[j] - gfn), bar.owner);
                }
                return rc;
            }
        }
        return 0;
    }

    @Override
    public String toString() {
        return String.format("%s %d BAR(s) of %s, then %s 0x%x", map ? "map" : "unmap", bars.length, header.sbdf(),
                romOnly ? "ROM" : "COMMAND", command);
    }
}
