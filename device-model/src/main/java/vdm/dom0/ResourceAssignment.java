package vdm.dom0;

import static vdm.pci.ConfigRegisters.COMMAND;
import static vdm.pci.ConfigRegisters.COMMAND_DECODE_ENABLE;
import static vdm.pci.ConfigRegisters.bar;

import vdm.host.Host;
import vdm.host.PhysicalFunction;
import vdm.log.StepBus;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;

/**
 * dom0's PCI resource code: at boot, an address for every BAR and ROM firmware left at 0 (a simple bump allocator
 * standing in for pci_assign_unassigned_resources, drivers/pci/setup-bus.c), the kernel's record of what each BAR
 * holds (pci_read_bases, drivers/pci/probe.c), and later moves of a BAR (pci_update_resource, drivers/pci/setup-res.c).
 *
 * <p>Addresses come from three cursors: 32-bit memory from 0xe0000000, 64-bit prefetchable memory on a root bus from
 * 0x4000000000 (above 4 GiB, as Linux puts large BARs when it can), I/O ports from 0xc000. A BAR behind a bridge with
 * a memory window goes at the window's base.
 */
final class ResourceAssignment {
    static final long MMIO32_BASE = 0xe000_0000L, MMIO64_BASE = 0x40_0000_0000L;
    static final int IO_BASE = 0xc000;

    private final Host host;
    private final PciConfigAccess config;
    private final PciDevices devices;
    private final StepBus steps;
    private long nextMmio32 = MMIO32_BASE;
    private long nextMmio64 = MMIO64_BASE;
    private int nextIo = IO_BASE;

    ResourceAssignment(Host host, PciConfigAccess config, PciDevices devices, StepBus steps) {
        this.host = host;
        this.config = config;
        this.devices = devices;
        this.steps = steps;
    }

    /** pci_assign_unassigned_resources: every function's unassigned BARs and ROM get an address, in SBDF order. */
    void assignUnassigned() {
        for (PhysicalFunction f : host.functions()) assign(f);
    }

    private void assign(PhysicalFunction f) {
        Sbdf s = f.sbdf();
        boolean unassigned = false;
        for (int n = 0; n < f.layout().barCount(); n++) unassigned |= f.barImplemented(n) && f.barAddress(n) == 0;
        unassigned |= f.romSize() > 0 && f.romAddress() == 0;
        int cmd = config.read(s, COMMAND, 2);
        // Decoding off while a BAR moves (as pci_std_update_resource does for 64-bit BARs; vdm does it for all, so a
        // PVH dom0's vPCI sees the move with nothing mapped), back on afterwards.
        boolean decoding = unassigned && (cmd & COMMAND_DECODE_ENABLE) != 0;
        if (decoding) config.write(s, COMMAND, 2, cmd & ~COMMAND_DECODE_ENABLE);
        assignBars(f, s);
        if (decoding) config.write(s, COMMAND, 2, cmd);
    }

    private void assignBars(PhysicalFunction f, Sbdf s) {
        for (int n = 0; n < f.layout().barCount(); n++) {
            if (!f.barImplemented(n) || f.barAddress(n) != 0) continue;
            Bar b = f.barDeclaration(n);
            long size = b.size();
            int reg = bar(n);
            if (b.kind() == BarKind.IO) {
                int addr = (int) align(nextIo, size);
                nextIo = (int) (addr + size);
                config.write(s, reg, 4, addr);
                continue;
            }
            long window = f.upstream().flatMap(up -> up.memoryWindow()).map(w -> w.base()).orElse(-1L);
            long addr;
            if (b.kind() == BarKind.MEM64 && b.prefetchable() && window < 0) {
                addr = align(nextMmio64, size);
                nextMmio64 = addr + size;
            } else if (window >= 0) {
                addr = align(window, size);
            } else {
                addr = align(nextMmio32, size);
                nextMmio32 = addr + size;
            }
            config.write(s, reg, 4, (int) addr);
            if (b.kind() == BarKind.MEM64) config.write(s, reg + 4, 4, (int) (addr >>> 32));
        }
        if (f.romSize() > 0 && f.romAddress() == 0) {
            long addr = align(nextMmio32, f.romSize());
            nextMmio32 = addr + f.romSize();
            config.write(s, f.layout().romOffset(), 4, (int) addr);
        }
    }

    /**
     * pci_read_bases for every function: the kernel's struct resource of each BAR and the ROM, kept even if the
     * device changes later (a reset that zeroes a BAR leaves the resource): sysfs {@code resource} shows it, and QEMU's
     * xen_pt maps what it shows.
     */
    void readBases() {
        for (PhysicalFunction f : host.functions()) {
            PciDev d = devices.get(f.sbdf());
            for (int n = 0; n < f.layout().barCount(); n++) d.resource[n] = f.barImplemented(n) ? f.barAddress(n) : 0;
            d.resource[PciDev.ROM_RESOURCE] = f.romSize() > 0 ? f.romAddress() : 0;
        }
    }

    /**
     * pci_update_resource: BAR n's struct resource is updated, then the register written (both dwords of a 64-bit
     * BAR), with decoding turned off around it or (as Linux does for a 32-bit BAR) left on.
     */
    void update(Sbdf sbdf, int n, long address, boolean decodingOff) {
        PhysicalFunction f = host.require(sbdf);
        if (!f.barImplemented(n)) throw new IllegalArgumentException(sbdf + " has no BAR" + n);
        devices.get(sbdf).resource[n] = address;
        int cmd = config.read(sbdf, COMMAND, 2);
        if (decodingOff && (cmd & COMMAND_DECODE_ENABLE) != 0) config.write(sbdf, COMMAND, 2, cmd & ~COMMAND_DECODE_ENABLE);
        config.write(sbdf, bar(n), 4, (int) address);
        if (f.barKind(n) == BarKind.MEM64) config.write(sbdf, bar(n) + 4, 4, (int) (address >>> 32));
        if (decodingOff && (cmd & COMMAND_DECODE_ENABLE) != 0) config.write(sbdf, COMMAND, 2, cmd);
        steps.end("pci_update_resource " + sbdf + " BAR" + n);
    }

    /** The kernel's resource start for BAR n ({@link PciDev#ROM_RESOURCE} for the ROM). */
    long assigned(Sbdf sbdf, int n) {
        return devices.get(sbdf).resource[n];
    }

    /** Where the allocator puts the next BAR of each kind. */
    record Cursors(long nextMmio32, long nextMmio64, int nextIo) {}

    /** The allocator's cursors, for a state capture. */
    Cursors cursors() {
        return new Cursors(nextMmio32, nextMmio64, nextIo);
    }

    void restoreCursors(Cursors c) {
        nextMmio32 = c.nextMmio32();
        nextMmio64 = c.nextMmio64();
        nextIo = c.nextIo();
    }

    private static long align(long v, long size) {
        return (v + size - 1) & ~(size - 1);
    }
}
