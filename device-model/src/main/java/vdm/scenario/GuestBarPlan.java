package vdm.scenario;

import java.util.ArrayList;
import java.util.List;
import vdm.toolstack.GuestPciBus;
import vdm.toolstack.XenPtDevice;
import vdm.xen.GuestRam;

/**
 * Where an HVM guest's firmware puts every BAR of the guest's PCI bus, as hvmloader's {@code pci_setup}
 * (tools/firmware/hvmloader/pci.c) does: it sizes each BAR (all ones, read back, restore; 64-bit BARs both halves),
 * sorts them largest first (a BAR goes before the first smaller one, so equal sizes keep bus order), then hands out
 * naturally aligned addresses from three resources: memory below 4 GiB from the MMIO hole's start
 * ({@code HVM_BELOW_4G_MMIO_START}, 0xf0000000) to {@code RESERVED_MEMBASE} (0xfc000000), memory above 4 GiB for
 * 64-bit BARs that must be relocated, and I/O ports from 0xc000 to 0x10000. The hole grows downwards (its start
 * shifted left) while the BARs do not fit, but, as libxl writes {@code allow-memory-relocate=0} for qemu-xen, never
 * over the guest's low RAM; 64-bit BARs go above 4 GiB only if the hole is still too small, or a BAR is over 1 GiB.
 * The xen-platform device is placed like any other (libxl leaves {@code xen_platform_pci_bar_uc} at its default).
 */
public final class GuestBarPlan {
    /** HVM_BELOW_4G_MMIO_START (xen/include/public/hvm/e820.h) and RESERVED_MEMBASE (hvmloader/config.h). */
    public static final long MMIO_HOLE_START = 0xf000_0000L, MMIO_HOLE_END = 0xfc00_0000L;
    public static final long IO_START = 0xc000, IO_END = 0x1_0000;
    private static final long GIB = 1L << 30, BAR_RELOC_THRESH = GIB;

    /** The guest RAM below 4 GiB vdm's guests have unless their memory is chosen (hvm_info's low_mem_pgend, memory=1024). */
    public static final long GUEST_LOW_MEMORY = GuestRam.DEFAULT_LOW_END;

    /** Where a BAR ended up: the guest devfn, the BAR (6 for the ROM), its size and address (0: no space for it). */
    public record Placement(int devfn, int bar, long size, Space space, boolean is64, long address) {
        public boolean placed() { return address != 0; }
        public long end() { return address + size; }
    }

    public enum Space { MEMORY_LOW, MEMORY_HIGH, IO }

    private record Sized(int devfn, int bar, long size, boolean io, boolean is64, boolean rom) {}

    private final List<Placement> placements;
    private final long holeStart;

    private GuestBarPlan(List<Placement> placements, long holeStart) {
        this.placements = List.copyOf(placements);
        this.holeStart = holeStart;
    }

    public List<Placement> placements() { return placements; }

    /** The MMIO hole's start after it grew for the BARs (pci_mem_start). */
    public long holeStart() { return holeStart; }

    /** The placements of one guest function, by BAR. */
    public List<Placement> of(int devfn) {
        return placements.stream().filter(p -> p.devfn() == devfn).toList();
    }

    /** The plan for a guest holding {@code attached} (each sized through its emulated config space) besides QEMU's own functions. */
    public static GuestBarPlan forGuest(List<XenPtDevice> attached) {
        List<Sized> found = new ArrayList<>();
        for (GuestPciBus.EmulatedFunction f : GuestPciBus.XENFV) {
            for (GuestPciBus.EmulatedBar b : f.bars()) found.add(new Sized(f.devfn(), b.index(), b.size(), b.io(), false, false));
        }
        for (XenPtDevice pt : attached) found.addAll(size(pt));
        // pci_setup scans devfn 0..255 and BARs 0..6 in order; the sort below keeps that order among equal sizes.
        found.sort((a, b) -> a.devfn() != b.devfn() ? Integer.compare(a.devfn(), b.devfn()) : Integer.compare(a.bar(), b.bar()));
        // hvm_info->low_mem_pgend: where the guest's RAM below 4 GiB ends (all attached devices are on one guest)
        return place(found, attached.isEmpty() ? GUEST_LOW_MEMORY : attached.getFirst().guest().ram().lowEnd());
    }

    /** pci_setup's sizing of one function's BARs and ROM, through the guest's view of it. */
    private static List<Sized> size(XenPtDevice pt) {
        List<Sized> out = new ArrayList<>();
        int devfn = pt.guestSlot() << 3;
        for (int bar = 0; bar < 7; bar++) {
            int reg = bar == 6 ? 0x30 : 0x10 + 4 * bar;
            int data = pt.guestRead(reg, 4);
            boolean rom = bar == 6;
            boolean io = !rom && (data & 1) != 0;
            boolean is64 = !rom && (data & 0x7) == 0x4;
            pt.guestWrite(reg, 4, rom ? (data | 0xfffff800) & ~1 : ~0);
            long sz = pt.guestRead(reg, 4) & 0xffff_ffffL;
            pt.guestWrite(reg, 4, data);
            sz &= rom ? 0xfffff800L : io ? 0xfffcL : 0xfffffff0L;
            if (is64) {
                int upper = pt.guestRead(reg + 4, 4);
                pt.guestWrite(reg + 4, 4, ~0);
                sz |= (pt.guestRead(reg + 4, 4) & 0xffff_ffffL) << 32;
                pt.guestWrite(reg + 4, 4, upper);
            }
            sz &= -sz; // the lowest set bit is the size
            if (sz != 0) out.add(new Sized(devfn, bar, sz, io, is64, rom));
            if (is64) bar++; // the upper half was sized with it
        }
        return out;
    }

    private static GuestBarPlan place(List<Sized> scanned, long lowMemoryEnd) {
        List<Sized> bars = new ArrayList<>();
        long mmioTotal = 0;
        boolean relocate64 = false;
        for (Sized s : scanned) {
            int i = 0;
            while (i < bars.size() && bars.get(i).size() >= s.size()) i++;
            bars.add(i, s);
            if (s.is64() && s.size() > BAR_RELOC_THRESH) relocate64 = true;
            else if (!s.io()) mmioTotal += s.size();
        }
        long memBase = MMIO_HOLE_START, memMax = MMIO_HOLE_END;
        // pci_mem_start <<= 1 on a uint32_t: 0xf0000000, 0xe0000000, 0xc0000000, 0x80000000, then 0 ends it.
        while (mmioTotal > memMax - memBase && ((memBase << 1) & 0xffff_ffffL) != 0 && ((memBase << 1) & 0xffff_ffffL) >= lowMemoryEnd) {
            memBase = (memBase << 1) & 0xffff_ffffL;
        }
        if (mmioTotal > memMax - memBase) relocate64 = true;
        long holeStart = memBase;
        long highBase = 4 * GIB; // the replayed guests have no RAM above 4 GiB: high_mem_resource starts at 4 GiB
        long highMax = 1L << 46; // 1 << cpu_phys_addr(): a 46-bit guest physical address space
        long ioBase = IO_START;
        List<Placement> out = new ArrayList<>();
        for (Sized s : bars) {
            boolean high = s.is64() && relocate64 && (mmioTotal > memMax - memBase || s.size() > BAR_RELOC_THRESH);
            Space space = s.io() ? Space.IO : high ? Space.MEMORY_HIGH : Space.MEMORY_LOW;
            if (!s.io() && s.size() <= BAR_RELOC_THRESH) mmioTotal -= s.size();
            long from = space == Space.IO ? ioBase : high ? highBase : memBase;
            long max = space == Space.IO ? IO_END : high ? highMax : memMax;
            long base = (from + s.size() - 1) & -s.size();
            long end = base + s.size();
            if (end < from || end > max) { // "no space for resource!": the BAR is left as it was
                out.add(new Placement(s.devfn(), s.bar(), s.size(), space, s.is64(), 0));
                continue;
            }
            switch (space) {
                case IO -> ioBase = end;
                case MEMORY_HIGH -> highBase = end;
                case MEMORY_LOW -> memBase = end;
            }
            out.add(new Placement(s.devfn(), s.bar(), s.size(), space, s.is64(), base));
        }
        return new GuestBarPlan(out, holeStart);
    }
}
