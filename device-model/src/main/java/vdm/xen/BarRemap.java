package vdm.xen;

/**
 * bar-write-remap, what Xen's gitlab issue #197 ("Linux 32bit BAR atomic repositioning", open) asks of vPCI: Linux's
 * pci_std_update_resource (drivers/pci/setup-res.c) turns memory decoding off around a BAR update only when
 * {@code res->flags & IORESOURCE_MEM_64} ("We can't update a 64-bit BAR atomically, so when possible, disable decoding
 * so that a half-updated BAR won't conflict with another device"), so it repositions a 32-bit BAR while the BAR is
 * mapped, which the PCI spec allows and Xen's bar_write refuses ("ignored BAR %u write while mapped"). Upstream has no
 * code for it; vdm models the behaviour the issue describes, for the hardware domain's BARs: the mapped range leaves
 * the p2m, the BAR is written, the new range (without the MSI-X table and PBA pages, as modify_bars leaves them out)
 * goes in. vdm does it in the trapped write itself, not deferred to the vCPU as modify_bars' work is.
 */
final class BarRemap {
    private BarRemap() {}

    /**
     * Moves mapped {@code bar} (the low half's state for either half of a 64-bit BAR) to what {@code value}, written
     * to register {@code reg}, makes of it. A new position pci_check_bar refuses, or a range the p2m refuses, is
     * logged as Xen logs modify_bars' and leaves the BAR unmapped at its new address.
     */
    static void move(Header h, BarState bar, int reg, boolean hi, int value) {
        P2m p2m = h.domain().p2m();
        long[] old = h.mappedPieces(P2m.firstFrame(bar.addr), P2m.frames(bar.addr, bar.size));
        for (int i = 0; i < old.length; i += 2) p2m.unmapFrames(old[i], old[i + 1]);
        bar.enabled = false;
        bar.addr = hi ? (bar.addr & 0xffffffffL) | ((long) value << 32) : (bar.addr & 0xffffffff00000000L) | (value & 0xfffffff0L);
        h.vpci().hardware().write(reg, 4, value);
        if (!bar.validPosition(bar.addr)) {
            h.log().warn(h.domain().id(), "%s: not mapping BAR [%x, %x] invalid position", h.sbdf(),
                    bar.addr >>> P2m.PAGE_SHIFT, (bar.addr + bar.size - 1) >>> P2m.PAGE_SHIFT);
            return;
        }
        long gfn = P2m.firstFrame(bar.addr); // the hardware domain's BARs are mapped 1:1
        long[] now = h.mappedPieces(gfn, P2m.frames(bar.addr, bar.size));
        for (int i = 0; i < now.length; i += 2) {
            int rc = p2m.mapFrames(now[i], now[i + 1], now[i], bar.owner);
            if (rc != 0) {
                for (int j = i - 2; j >= 0; j -= 2) p2m.unmapFrames(now[j], now[j + 1]);
                h.mappingFailed(true, bar.addr, bar.size, rc);
                return;
            }
        }
        bar.enabled = true;
    }
}
