package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;

/**
 * vPCI's handling of a device's header (Xen's xen/drivers/vpci/header.c): the cached BARs, COMMAND with deferred
 * (un)mapping of the BARs in the owner's p2m, and the refusal to move a BAR that is mapped. One class serves the
 * hardware domain (BARs at host addresses, gaps to hardware) and a domU (guest BAR addresses sized on the guest
 * copy, reserved COMMAND bits preserved, only MSI and MSI-X capabilities visible).
 */
public final class Header {
    static final int COMMAND = ConfigRegisters.COMMAND;
    static final int CMD_IO = ConfigRegisters.COMMAND_IO, CMD_MEMORY = ConfigRegisters.COMMAND_MEMORY;
    /** COMMAND bits 15:11, reserved (PCI 3.0, 6.2.2): a domU's writes preserve them. */
    static final int COMMAND_RSVDP = 0xf800;
    /** Subsystem vendor and ID of a type 0 header (PCI_SUBSYSTEM_VENDOR_ID). */
    private static final int SUBSYSTEM = 0x2c;

    private final XenLog log;
    private final XenConfig config;
    private final MemoryMap memoryMap; // the e820 pci_check_bar and pci_sanitize_bar_memory test BARs against
    private final Domain domain;
    private final Vpci vpci;
    private final boolean guest;
    private final BarState[] bars;
    private final BarState rom = new BarState(6);
    private volatile boolean romEnabled;
    /**
     * Xen's header->bars_mapped (4.17+): whether memory decoding is on from Xen's point of view, i.e. whether it
     * mapped the BARs. Only modify_decoding sets it (to the MEMORY bit of the COMMAND it writes); a new vPCI starts
     * with it clear. It goes stale, as the BAR caches do, when the device's COMMAND changes behind Xen's back.
     */
    private volatile boolean barsMapped;
    private int romRegister = ConfigRegisters.ROM;
    /** vpci->msix: the device's MSI-X state (hardware domain only), whose table and PBA pages stay out of the p2m. */
    private volatile VpciMsix msix;
    /** vdm's note that vPCI masked the device's MSI-X capability (a state of its own: snapshots capture it). */
    private volatile boolean msixMasked;
    /** vpci->msi: the device's MSI state (hardware domain only). */
    private volatile VpciMsi msi;

    private Header(XenLog log, XenConfig config, MemoryMap memoryMap, Domain domain, Vpci vpci, boolean guest, int barCount) {
        this.log = log;
        this.config = config;
        this.memoryMap = memoryMap;
        this.domain = domain;
        this.vpci = vpci;
        this.guest = guest;
        this.bars = new BarState[barCount];
        for (int i = 0; i < barCount; i++) {
            bars[i] = new BarState(i);
            bars[i].owner = new P2m.Owner(vpci.sbdf(), i);
        }
        rom.owner = new P2m.Owner(vpci.sbdf(), P2m.ROM);
    }

    public Sbdf sbdf() { return vpci.sbdf(); }
    XenLog log() { return log; }
    public Domain domain() { return domain; }
    public Vpci vpci() { return vpci; }
    public boolean guest() { return guest; }
    public int barCount() { return bars.length; }
    public BarState bar(int n) { return bars[n]; }
    public BarState rom() { return rom; }
    public boolean romEnabled() { return romEnabled; }
    VpciMsix msix() { return msix; }
    void msix(VpciMsix m) { msix = m; }
    VpciMsi msi() { return msi; }
    void msi(VpciMsi m) { msi = m; }

    /** The device's MSI-X capability is masked: its init failed (vpci_init_capabilities' hide). */
    boolean msixMasked() { return msixMasked; }
    void msixMasked(boolean v) { msixMasked = v; }

    /** Whether Xen traps the device's MSI-X (a hardware domain's device with a valid capability). */
    public boolean msixTrapped() { return msix != null; }

    /** The frame runs of a BAR's range ({@code gfn}, {@code pages}) modify_bars maps: without the MSI-X pages. */
    long[] mappedPieces(long gfn, long pages) {
        long[] pieces = MsixHoles.pieces(msix, gfn, pages);
        // modify_bars -> pci_sanitize_bar_memory (4acab25a93): the memory map's frames are left out too
        return config.vpciBarSanitize() ? memoryMap.remove(pieces) : pieces;
    }

    /** x86 pci_check_bar's memory map test ({@link MemoryMap#checkBar}): always passes since 4acab25a93. */
    private boolean checkBar(BarState bar) { return config.vpciBarSanitize() || memoryMap.checkBar(bar.addr, bar.size); }

    /** Whether modify_bars would map BAR {@code n} at its host address: a valid position pci_check_bar passes. */
    public boolean mappableAtHostAddress(int n) {
        BarState b = bars[n];
        return b.mappableAtHostAddress() && checkBar(b);
    }

    /** How many frames of BAR {@code n} modify_bars maps at its host address: all but its MSI-X table and PBA pages. */
    public long framesMapped(int n) {
        BarState b = bars[n];
        long[] pieces = mappedPieces(P2m.firstFrame(b.addr), P2m.frames(b.addr, b.size));
        long total = 0;
        for (int i = 1; i < pieces.length; i += 2) total += pieces[i];
        return total;
    }

    /** vpci_make_msix_hole for this device: 0, or -EEXIST when another mapping covers its table or PBA. */
    int makeMsixHole() {
        return MsixHoles.makeHole(log, config, this, msix);
    }

    /** Xen's header->bars_mapped: memory decoding is on as far as Xen knows, so it has mapped the BARs. */
    public boolean barsMapped() { return barsMapped; }

    /**
     * Xen's init_header: sizes the BARs with memory decoding off, registers the handlers and, if the device was
     * decoding memory, maps its BARs at once (Xen does this before the domain runs). Returns 0 or a -errno.
     */
    static Header init(XenLog log, XenConfig config, MemoryMap memoryMap, Domain domain, Vpci vpci) {
        PciHardware hw = vpci.hardware();
        int headerType = hw.read(ConfigRegisters.HEADER_TYPE, 1) & 0x7f;
        int count = headerType == 0 ? 6 : headerType == 1 ? 2 : 0;
        boolean guest = !domain.isHardwareDomain();
        Header h = new Header(log, config, memoryMap, domain, vpci, guest, count);
        h.romRegister = headerType == 1 ? ConfigRegisters.ROM_BRIDGE : ConfigRegisters.ROM;
        int cmd = hw.read(COMMAND, 2);
        if ((cmd & (CMD_MEMORY | CMD_IO)) != 0) hw.write(COMMAND, 2, cmd & ~(CMD_MEMORY | CMD_IO));
        int rc = h.sizeBars(hw);
        if (rc == 0) rc = h.registerHandlers(hw, headerType);
        if (rc != 0) {
            hw.write(COMMAND, 2, cmd);
            vpci.clear();
            return null;
        }
        if (guest) {
            hw.write(COMMAND, 2, cmd & ~(CMD_MEMORY | CMD_IO)); // a domU starts with decoding off
        } else if ((cmd & CMD_MEMORY) != 0) {
            h.modifyBars(cmd, false, 0).apply(); // before the domain runs: no vCPU to defer to
        } else {
            hw.write(COMMAND, 2, cmd);
        }
        return h;
    }

    /**
     * Rebuilds a header from a captured state with no access to the hardware beyond reading the capability list a
     * domU's view needs (a state restore): the BAR caches are the saved ones, stale or not, and decide which handlers
     * are registered, as init_header's sizing does.
     */
    static Header restore(XenLog log, XenConfig config, MemoryMap memoryMap, Domain domain, Vpci vpci, XenState.HeaderState s) {
        Header h = new Header(log, config, memoryMap, domain, vpci, !domain.isHardwareDomain(), s.barCount());
        h.romRegister = s.headerType() == 1 ? ConfigRegisters.ROM_BRIDGE : ConfigRegisters.ROM;
        h.restoreBars(s);
        int rc = h.registerHandlers(vpci.hardware(), s.headerType());
        if (rc != 0) throw new IllegalStateException("vPCI registration failed while restoring " + vpci.sbdf() + ": " + rc);
        return h;
    }

    /** Whether a captured state has this header's shape (header type and BAR types), so its handlers fit it as they are. */
    boolean fits(XenState.HeaderState s) {
        if (s.headerType() != headerType() || s.barCount() != bars.length) return false;
        for (int i = 0; i < bars.length; i++) if (s.bars()[i].type() != bars[i].type) return false;
        // A capture whose MSI-X was masked (its init failed) does not fit a vPCI that traps it, nor the other way round;
        // a capture without MSI state (an older document) fits as the device is set up.
        if (!guest && s.msi() != null && (msix != null) != (s.msi().msix() != null)) return false;
        return s.rom().type() == rom.type;
    }

    /** Whether a captured header traps MSI-X: its MSI state has an MSI-X part, or it has no MSI state (as set up). */
    static boolean msixTrapped(XenState.HeaderState s) {
        return s.msi() == null || s.msi().msix() != null;
    }

    /** Overwrites the BAR and ROM caches with a captured state of the same shape. */
    void restoreBars(XenState.HeaderState s) {
        for (int i = 0; i < bars.length; i++) bars[i].restore(s.bars()[i]);
        rom.restore(s.rom());
        romEnabled = s.romEnabled();
        barsMapped = s.barsMapped();
    }

    int headerType() {
        return romRegister == ConfigRegisters.ROM_BRIDGE ? 1 : 0;
    }

    private int sizeBars(PciHardware hw) {
        BarSizing.bars(hw, bars);
        romEnabled = BarSizing.rom(hw, romRegister, rom);
        return 0;
    }

    private static final VpciRegister.Read HW32 = (v, r) -> v.hardware().read(r.offset(), 4);
    private static final VpciRegister.Read HW16 = (v, r) -> v.hardware().read(r.offset(), 2);
    private static final VpciRegister.Read HW8 = (v, r) -> v.hardware().read(r.offset(), 1);

    private int registerHandlers(PciHardware hw, int headerType) {
        int rc;
        if (!guest) {
            rc = vpci.addRegister(HW16, (v, r, val) -> cmdWrite(val), COMMAND, 2, this);
            for (BarState bar : bars) {
                if (rc != 0) return rc;
                if (bar.type == BarState.Type.MEM32 || bar.type == BarState.Type.MEM64_LO || bar.type == BarState.Type.MEM64_HI) {
                    rc = vpci.addRegister(HW32, (v, r, val) -> barWrite(bar, val), ConfigRegisters.bar(bar.index), 4, bar);
                }
            }
            if (rc == 0 && rom.type == BarState.Type.ROM) {
                rc = vpci.addRegister(HW32, (v, r, val) -> romWrite(val), romRegister, 4, rom);
            }
            return rc;
        }
        // A domU: its own view of the header.
        rc = vpci.addRegister(HW16, (v, r, val) -> cmdWrite(val), COMMAND, 2, this, 0, 0, COMMAND_RSVDP, 0);
        if (rc == 0) rc = vpci.addRegister(HW32, null, ConfigRegisters.VENDOR_ID, 4, null);
        if (rc == 0) rc = vpci.addRegister(HW32, null, ConfigRegisters.CLASS_REVISION, 4, null);
        if (rc == 0) rc = vpci.addRegister(HW8, null, ConfigRegisters.HEADER_TYPE, 1, null);
        if (rc == 0 && headerType == 0) rc = vpci.addRegister(HW32, null, SUBSYSTEM, 4, null);
        if (rc == 0) rc = vpci.addRegister(HW8, null, ConfigRegisters.INTERRUPT_PIN, 1, null);
        int[] line = {0};
        if (rc == 0) rc = vpci.addRegister((v, r) -> line[0], (v, r, val) -> {
            line[0] = val & 0xff;
            return null;
        }, ConfigRegisters.INTERRUPT_LINE, 1, line);
        for (BarState bar : bars) {
            if (rc != 0) return rc;
            if (bar.type != BarState.Type.EMPTY) {
                rc = vpci.addRegister((v, r) -> guestBarRead(bar), (v, r, val) -> guestBarWrite(bar, val), ConfigRegisters.bar(bar.index), 4, bar);
            }
        }
        if (rc == 0) rc = GuestCapabilities.register(vpci, hw);
        return rc;
    }

    // ---- the hardware domain's handlers (Xen's cmd_write, bar_write, rom_write)

    /**
     * cmd_write: a COMMAND whose MEMORY bit differs from Xen's view returns the (un)mapping as deferred work, and
     * modify_decoding writes COMMAND once it is done; any other write goes straight to the hardware. Xen's view is
     * header->bars_mapped since 4.17, so a device whose COMMAND was cleared behind Xen's back still gets its BARs
     * unmapped when dom0 turns decoding off; 4.13-4.16 compared with the hardware's COMMAND, read before the write.
     */
    private PendingMapping cmdWrite(int cmd) {
        boolean memory = (cmd & CMD_MEMORY) != 0;
        boolean decoding = config.vpciTestsMapped() ? barsMapped : (vpci.hardware().read(COMMAND, 2) & CMD_MEMORY) != 0;
        if (memory != decoding) return modifyBars(cmd, false, 0);
        vpci.hardware().write(COMMAND, 2, cmd);
        return null;
    }

    /**
     * bar_write, including the refusal rule that the stale cache trips over. Defers nothing. Xen masks the low half's
     * value with PCI_BASE_ADDRESS_MEM_MASK first, so the "is it the current value" test that spares the warning
     * ignores the type bits the write carried.
     */
    private PendingMapping barWrite(BarState bar, int val) {
        boolean hi = bar.type == BarState.Type.MEM64_HI;
        BarState target = hi ? bars[bar.index - 1] : bar;
        if (!hi) val &= 0xfffffff0; // PCI_BASE_ADDRESS_MEM_MASK
        int cached = (int) (target.addr >>> (hi ? 32 : 0));
        if (config.vpciTestsMapped()) {
            if (target.enabled) {
                if (val == cached) return null;
                if (config.barWriteRemap()) { // bar-write-remap, a proposal (Xen issue #197): BarRemap
                    BarRemap.move(this, target, ConfigRegisters.bar(bar.index), hi, hi ? val : val | typeBits(target));
                    return null;
                }
                log.warn(domain.id(), "%s: ignored BAR %d write while mapped", vpci.sbdf(), bar.index);
                return null;
            }
        } else if ((vpci.hardware().read(COMMAND, 2) & CMD_MEMORY) != 0) {
            if (val != cached) log.warn(domain.id(), "%s: ignored BAR %d write with memory decoding enabled", vpci.sbdf(), bar.index);
            return null;
        }
        if (!hi) {
            target.addr = (target.addr & 0xffffffff00000000L) | (val & 0xffffffffL);
            val |= typeBits(target); // Xen writes back the same RO bits
        } else {
            target.addr = (target.addr & 0xffffffffL) | ((long) val << 32);
        }
        vpci.hardware().write(ConfigRegisters.bar(bar.index), 4, val);
        return null;
    }

    private static int typeBits(BarState bar) {
        return (bar.type == BarState.Type.MEM64_LO ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
    }

    /**
     * rom_write: a mapped ROM is not moved; toggling its enable while the BARs are mapped returns the (un)mapping to
     * defer. Since 4.17 "mapped" is Xen's own view (rom->enabled, header->bars_mapped); 4.13-4.16 tested the
     * hardware's COMMAND and header->rom_enabled.
     */
    private PendingMapping romWrite(int val) {
        boolean newEnabled = (val & 1) != 0;
        boolean mapped, decoding;
        if (config.vpciTestsMapped()) {
            mapped = rom.enabled;
            decoding = barsMapped;
            if (mapped && newEnabled) {
                log.warn(domain.id(), "%s: ignored ROM BAR write while mapped", vpci.sbdf());
                return null;
            }
        } else {
            mapped = romEnabled;
            decoding = (vpci.hardware().read(COMMAND, 2) & CMD_MEMORY) != 0;
            if (decoding && mapped && newEnabled) {
                log.warn(domain.id(), "%s: ignored ROM BAR write with memory decoding enabled", vpci.sbdf());
                return null;
            }
        }
        if (!mapped) rom.addr = val & 0xfffff800L;
        if (!decoding || mapped == newEnabled) {
            vpci.hardware().write(romRegister, 4, val);
            romEnabled = newEnabled;
            if (!newEnabled) rom.addr = val & 0xfffff800L;
            return null;
        }
        // Xen passes a fabricated COMMAND (MEMORY or 0) that only says the direction; it is never written.
        return modifyBars(newEnabled ? CMD_MEMORY : 0, true, val);
    }

    // ---- a domU's BARs (Xen's guest_mem_bar_read/write)

    private int guestBarRead(BarState bar) {
        if (bar.type == BarState.Type.MEM64_HI) return (int) (bars[bar.index - 1].guestAddr >>> 32);
        int type = bar.type == BarState.Type.IO ? 0x1 : typeBits(bar);
        return (int) bar.guestAddr | type;
    }

    private PendingMapping guestBarWrite(BarState bar, int val) {
        boolean hi = bar.type == BarState.Type.MEM64_HI;
        BarState target = hi ? bars[bar.index - 1] : bar;
        long addr = target.guestAddr;
        if (hi) {
            addr = (addr & 0xffffffffL) | ((long) val << 32);
        } else {
            addr = (addr & 0xffffffff00000000L) | (val & (target.type == BarState.Type.IO ? 0xfffffffcL : 0xfffffff0L));
        }
        addr &= ~(target.size - 1); // sizing works on the guest copy
        if (target.type != BarState.Type.MEM64_LO) addr &= 0xffffffffL;
        if (target.enabled) {
            if (addr != target.guestAddr) log.warn(domain.id(), "%s: ignored guest BAR %d write while mapped", vpci.sbdf(), bar.index);
            return null;
        }
        target.guestAddr = addr;
        return null;
    }

    // ---- mapping (Xen's modify_bars, apply_map, modify_decoding)

    /**
     * modify_bars: which BARs change state for {@code cmd}'s MEMORY bit (only the ROM for a ROM toggle; the ROM only
     * if it is enabled otherwise), each checked by pci_check_bar first; returned as the work to defer.
     */
    private PendingMapping modifyBars(int cmd, boolean romOnly, int romValue) {
        boolean map = (cmd & CMD_MEMORY) != 0;
        BarState[] work = new BarState[bars.length + 1];
        int n = 0;
        for (int i = 0; i <= bars.length; i++) {
            BarState bar = i < bars.length ? bars[i] : rom;
            if (!bar.mappable()) continue;
            if (romOnly ? bar.type != BarState.Type.ROM : (bar.type == BarState.Type.ROM && !romEnabled)) continue;
            if (bar.enabled == map) continue; // already in the requested state
            // pci_check_bar: the host range must be a valid position (and, for a domU, the guest one too).
            // Before 4acab25a93 x86's pci_check_bar was is_memory_hole: a BAR over the memory map fails it too.
            if (map && (!bar.validPosition(bar.addr) || (guest && !bar.validPosition(bar.guestAddr)) || !checkBar(bar))) {
                long start = bar.addr, end = bar.addr + bar.size - 1;
                log.warn(domain.id(), "%s: not mapping BAR [%x, %x] invalid position", vpci.sbdf(),
                        start >>> P2m.PAGE_SHIFT, end >>> P2m.PAGE_SHIFT);
                continue;
            }
            work[n++] = bar;
        }
        return new PendingMapping(this, domain.p2m(), java.util.Arrays.copyOf(work, n), map, romOnly ? romValue : cmd, romOnly, null);
    }

    private List<BarState> allBars() {
        List<BarState> all = new ArrayList<>(List.of(bars));
        all.add(rom);
        return all;
    }

    /**
     * modify_decoding, the end of the deferred work (under the vPCI lock): the hardware gets the COMMAND value, or
     * for a ROM toggle the ROM register value, and the header records whether the ROM is enabled.
     */
    void modifyDecoding(boolean map, int value, boolean romOnly) {
        if (romOnly) {
            vpci.hardware().write(romRegister, 4, value);
            romEnabled = map;
            if (!map) rom.addr = value & 0xfffff800L;
        } else {
            // Decoding turns on only once the MSI-X pages are out of the p2m, so that dom0's accesses trap.
            if (map && makeMsixHole() != 0) return;
            vpci.hardware().write(COMMAND, 2, value);
            barsMapped = map;
        }
    }

    /** The p2m refused a range of the deferred work: Xen logs it and leaves that BAR as it was. */
    void mappingFailed(boolean map, long gaddr, long size, int rc) {
        log.warn(domain.id(), "%s: failed to %s [%x, %x]: %d", vpci.sbdf(), map ? "map" : "unmap",
                gaddr >>> P2m.PAGE_SHIFT, (gaddr + size - 1) >>> P2m.PAGE_SHIFT, rc);
    }

    /** Unmaps everything this header mapped (used when vPCI is torn down: deassign or reset notification). */
    int unmapAll() {
        synchronized (vpci) {
            int n = 0;
            for (BarState bar : allBars()) {
                if (!bar.enabled) continue;
                long gaddr = guest ? bar.guestAddr : bar.addr;
                long[] pieces = mappedPieces(P2m.firstFrame(gaddr), P2m.frames(gaddr, bar.size));
                boolean any = false;
                for (int i = 0; i < pieces.length; i += 2) any |= domain.p2m().unmapFrames(pieces[i], pieces[i + 1]) == 0;
                if (any) n++;
                bar.enabled = false;
            }
            barsMapped = false; // nothing is mapped any more (a vPCI Xen rebuilds starts with it clear)
            return n;
        }
    }
}
