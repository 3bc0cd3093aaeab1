package vdm.dom0;

import static vdm.pci.ConfigRegisters.COMMAND;
import static vdm.pci.ConfigRegisters.COMMAND_DECODE_ENABLE;
import static vdm.pci.ConfigRegisters.bar;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import vdm.host.Bridge;
import vdm.host.Host;
import vdm.host.RootBusRanges;
import vdm.host.PhysicalFunction;
import vdm.pci.ConfigRegisters;
import vdm.log.StepBus;
import vdm.pci.Sbdf;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;

/**
 * dom0's PCI resource code: at boot, an address for every BAR and ROM firmware left unassigned
 * (pci_assign_unassigned_resources, drivers/pci/setup-bus.c), the kernel's record of what each BAR holds
 * (pci_read_bases, drivers/pci/probe.c), and later moves of a BAR (pci_update_resource, drivers/pci/setup-res.c).
 *
 * <p>The boot-time allocator works as Linux's does on a host whose firmware programmed the bridge windows:
 * <ol>
 *   <li>the survey (pcibios_resource_survey, arch/x86/pci/i386.c) claims each bridge's programmed windows in its
 *       parent bus's ranges (pci_claim_bridge_resource) and each BAR firmware placed where it sits; a BAR at 0, or one
 *       that fits no range of its bus or collides with one already claimed, is left for assignment;</li>
 *   <li>assignment goes bus by bus from the root buses down (__pci_bus_assign_resources): the unassigned resources
 *       of the functions on one bus, bridges' own BARs among them, sorted by alignment, largest first
 *       (pdev_sort_resources), each placed at the lowest free, naturally aligned address in a range of that bus
 *       (pci_assign_resource -> __pci_assign_resource -> pci_bus_alloc_resource -> allocate_resource).</li>
 * </ol>
 * Which range of a bus a resource may use follows __pci_assign_resource: a 64-bit prefetchable BAR goes in a 64-bit
 * prefetchable window (above 4 GiB first, pci_bus_alloc_resource's pci_high), a 32-bit or non-prefetchable one in
 * the non-prefetchable window, an IO BAR in the IO window only, a ROM (prefetchable, 32-bit) in the memory window.
 * A bridge window is not resized: Linux keeps the windows firmware programmed and claimed (pbus_size_mem sizes only
 * windows it must assign), so a BAR that does not fit is not assigned: "can't assign; no space", "failed to
 * assign", and its resource is reset (reset_resource: start, end and flags 0), so pci_enable_device leaves it out.
 *
 * <p>Root buses allocate from the host bridges' ranges ({@link Host#rootBusRanges()}: one address space for all of
 * them, the host describing no _CRS): I/O ports, 32-bit memory below the IO-APICs and a 64-bit prefetchable range
 * above 4 GiB, where Linux puts large BARs when it can.
 * Nothing of the allocation outlives boot: the kernel's resources ({@link PciDev#resource}) are what remains.
 */
final class ResourceAssignment {
    static final Aperture.Space IO = Aperture.Space.IO, MEMORY = Aperture.Space.MEMORY;
    private static final long FOUR_GIB = 1L << 32;
    /** Host bridges' resources are left alone (__dev_sort_resources: PCI_CLASS_BRIDGE_HOST). */
    private static final int PCI_CLASS_BRIDGE_HOST = 0x0600;

    private final Host host;
    private final PciConfigAccess config;
    private final PciDevices devices;
    private final KernelLog log;
    private final StepBus steps;

    ResourceAssignment(Host host, PciConfigAccess config, PciDevices devices, KernelLog log, StepBus steps) {
        this.host = host;
        this.config = config;
        this.devices = devices;
        this.log = log;
        this.steps = steps;
    }

    /**
     * One resource to place: BAR {@code index} or the ROM ({@link PciDev#ROM_RESOURCE}) of a function, with the
     * flags that choose its range (IORESOURCE_IO, IORESOURCE_PREFETCH, IORESOURCE_MEM_64).
     */
    record Request(PhysicalFunction function, int index, long size, boolean io, boolean prefetchable, boolean mem64) {
        /** pci_resource_name: "BAR 0", "ROM". */
        String name() {
            return index == PciDev.ROM_RESOURCE ? "ROM" : "BAR " + index;
        }

        /** %pR of the resource: "[mem size 0x00004000 64bit]" while unset, "[mem 0xfe000000-0xfe003fff 64bit]" once placed. */
        String describe(long start) {
            String width = io ? "%#06x" : "%#010x";
            String where = start < 0 ? "size " + String.format(width, size)
                    : String.format(width, start) + "-" + String.format(width, start + size - 1);
            return "[" + (io ? "io  " : "mem ") + where + (mem64 ? " 64bit" : "") + (prefetchable ? " pref" : "") + "]";
        }
    }

    /** pci_assign_unassigned_resources: every function's unassigned BARs and ROM get an address, bus by bus. */
    void assignUnassigned() {
        RootBusRanges ranges = host.rootBusRanges();
        List<Aperture> root = List.of(new Aperture(IO, ranges.io().base(), ranges.io().limit(), false, false),
                new Aperture(MEMORY, ranges.memory().base(), ranges.memory().limit(), false, false),
                new Aperture(MEMORY, ranges.memory64().base(), ranges.memory64().limit(), true, true));
        Map<Sbdf, List<Aperture>> windows = new HashMap<>();
        for (Bridge b : host.bridges()) { // upstream bridges first: a window is claimed in its parent's ranges
            List<Aperture> parent = b.function().upstream().map(up -> windows.get(up.sbdf())).orElse(root);
            List<Aperture> own = windowsOf(b);
            for (Aperture w : own) claim(parent, w.space, w.base, w.limit - w.base + 1);
            windows.put(b.sbdf(), own);
        }
        Map<PhysicalFunction, List<Request>> unassigned = new HashMap<>();
        for (PhysicalFunction f : host.functions()) unassigned.put(f, survey(f, rangesOf(f, root, windows)));

        Map<Request, Long> placed = new LinkedHashMap<>();
        Map<Integer, List<PhysicalFunction>> rootBuses = new TreeMap<>();
        for (PhysicalFunction f : host.functions()) {
            if (f.upstream().isEmpty()) rootBuses.computeIfAbsent(f.sbdf().segment() << 8 | f.sbdf().bus(), k -> new ArrayList<>()).add(f);
        }
        for (List<PhysicalFunction> bus : rootBuses.values()) assignBus(bus, root, windows, unassigned, placed);
        for (PhysicalFunction f : host.functions()) program(f, placed);
    }

    /** The programmed windows of a bridge, as the ranges of its secondary bus (in Linux's order: IO, memory, prefetchable). */
    private static List<Aperture> windowsOf(Bridge b) {
        List<Aperture> out = new ArrayList<>();
        b.ioWindow().ifPresent(w -> out.add(new Aperture(IO, w.base(), w.limit(), false, false)));
        b.memoryWindow().ifPresent(w -> out.add(new Aperture(MEMORY, w.base(), w.limit(), false, false)));
        // PCI_PREF_RANGE_TYPE_64 in the Prefetchable Memory Base register: the window decodes 64-bit addresses.
        boolean pref64 = (b.function().config().read(0x24, 2) & 0xf) == 1;
        b.prefetchableWindow().ifPresent(w -> out.add(new Aperture(MEMORY, w.base(), w.limit(), true, pref64)));
        return out;
    }

    private static List<Aperture> rangesOf(PhysicalFunction f, List<Aperture> root, Map<Sbdf, List<Aperture>> windows) {
        return f.upstream().map(up -> windows.get(up.sbdf())).orElse(root);
    }

    /**
     * pcibios_allocate_dev_resources: claims each BAR and the ROM firmware placed; returns what is left to assign
     * (at 0, or not claimable: "we'll assign a new address later").
     */
    private List<Request> survey(PhysicalFunction f, List<Aperture> ranges) {
        List<Request> out = new ArrayList<>();
        int cls = f.config().read(ConfigRegisters.CLASS_REVISION, 4) >>> 16;
        for (int n = 0; n < f.layout().barCount(); n++) {
            Bar b = f.barDeclaration(n);
            if (b == null) continue;
            Request r = new Request(f, n, b.size(), b.kind() == BarKind.IO, b.prefetchable(), b.kind() == BarKind.MEM64);
            long at = f.barAddress(n);
            if (at != 0 && claim(ranges, r.io() ? IO : MEMORY, at, b.size())) continue;
            if (cls != PCI_CLASS_BRIDGE_HOST) out.add(r);
        }
        if (f.romSize() > 0) {
            Request r = new Request(f, PciDev.ROM_RESOURCE, f.romSize(), false, true, false);
            long at = f.romAddress();
            if (!(at != 0 && claim(ranges, MEMORY, at, f.romSize())) && cls != PCI_CLASS_BRIDGE_HOST) out.add(r);
        }
        return out;
    }

    private static boolean claim(List<Aperture> ranges, Aperture.Space space, long start, long size) {
        for (Aperture a : ranges) if (a.space == space && a.contains(start, size)) return a.claim(start, size);
        return false;
    }

    /**
     * __pci_bus_assign_resources for one bus: its functions' unassigned resources, largest alignment first (a stable
     * sort keeps SBDF and BAR order among equals, as pdev_sort_resources' insertion does), then each bridge's
     * secondary bus.
     */
    private void assignBus(List<PhysicalFunction> bus, List<Aperture> ranges, Map<Sbdf, List<Aperture>> windows,
                           Map<PhysicalFunction, List<Request>> unassigned, Map<Request, Long> placed) {
        List<Request> requests = new ArrayList<>();
        for (PhysicalFunction f : bus) requests.addAll(unassigned.get(f));
        requests.sort(Comparator.comparingLong(Request::size).reversed()); // alignment = size for a BAR and a ROM
        for (Request r : requests) {
            long at = allocate(r, ranges);
            if (at < 0) {
                String sbdf = r.function().sbdf().toString();
                log.info("pci %s: %s %s: can't assign; no space", sbdf, r.name(), r.describe(-1));
                log.info("pci %s: %s %s: failed to assign", sbdf, r.name(), r.describe(-1));
                continue;
            }
            log.info("pci %s: %s %s: assigned", r.function().sbdf(), r.name(), r.describe(at));
            placed.put(r, at);
        }
        for (PhysicalFunction f : bus) {
            Optional<Bridge> b = f.asBridge();
            if (b.isEmpty()) continue;
            List<PhysicalFunction> below = new ArrayList<>(b.get().secondaryFunctions());
            below.sort(Comparator.comparing(PhysicalFunction::sbdf));
            assignBus(below, windows.get(f.sbdf()), windows, unassigned, placed);
        }
    }

    /**
     * __pci_assign_resource's order of tries: an exact match of prefetchable and 64-bit first; a 64-bit prefetchable
     * BAR then any prefetchable window; a prefetchable or 64-bit one then any memory window, but never a
     * non-prefetchable BAR in a prefetchable window (pci_bus_alloc_from_region). Returns the address or -1.
     */
    private static long allocate(Request r, List<Aperture> ranges) {
        if (r.io()) return allocate(r, ranges, a -> a.space == IO);
        long at = allocate(r, ranges, a -> a.prefetchable == r.prefetchable() && a.mem64 == r.mem64());
        if (at < 0 && r.prefetchable() && r.mem64()) at = allocate(r, ranges, a -> a.prefetchable);
        if (at < 0 && (r.prefetchable() || r.mem64())) at = allocate(r, ranges, a -> true);
        return at;
    }

    /** pci_bus_alloc_resource over the matching ranges: a 64-bit BAR above 4 GiB first, then anywhere; others below 4 GiB. */
    private static long allocate(Request r, List<Aperture> ranges, Predicate<Aperture> match) {
        Predicate<Aperture> fits = a -> (r.io() ? a.space == IO : a.space == MEMORY) && (!a.prefetchable || r.prefetchable() || r.io())
                && match.test(a);
        if (r.mem64()) {
            for (Aperture a : ranges) {
                if (!fits.test(a)) continue;
                long at = a.allocate(r.size(), r.size(), FOUR_GIB, Long.MAX_VALUE);
                if (at >= 0) return at;
            }
            for (Aperture a : ranges) {
                if (!fits.test(a)) continue;
                long at = a.allocate(r.size(), r.size(), 0, Long.MAX_VALUE);
                if (at >= 0) return at;
            }
            return -1;
        }
        for (Aperture a : ranges) {
            if (!fits.test(a)) continue;
            long at = a.allocate(r.size(), r.size(), 0, FOUR_GIB - 1);
            if (at >= 0) return at;
        }
        return -1;
    }

    /** pci_update_resource for the function's new addresses, with memory and IO decoding off while they move. */
    private void program(PhysicalFunction f, Map<Request, Long> placed) {
        Sbdf s = f.sbdf();
        List<Map.Entry<Request, Long>> mine = new ArrayList<>();
        for (Map.Entry<Request, Long> e : placed.entrySet()) if (e.getKey().function() == f) mine.add(e);
        if (mine.isEmpty()) return;
        int cmd = config.read(s, COMMAND, 2);
        // Decoding off while a BAR moves (as pci_std_update_resource does for 64-bit BARs; vdm does it for all, so a
        // PVH dom0's vPCI sees the move with nothing mapped), back on afterwards.
        boolean decoding = (cmd & COMMAND_DECODE_ENABLE) != 0;
        if (decoding) config.write(s, COMMAND, 2, cmd & ~COMMAND_DECODE_ENABLE);
        for (Map.Entry<Request, Long> e : mine) {
            Request r = e.getKey();
            long addr = e.getValue();
            if (r.index() == PciDev.ROM_RESOURCE) {
                config.write(s, f.layout().romOffset(), 4, (int) addr);
                continue;
            }
            int reg = bar(r.index());
            config.write(s, reg, 4, (int) addr);
            if (r.mem64()) config.write(s, reg + 4, 4, (int) (addr >>> 32));
        }
        if (decoding) config.write(s, COMMAND, 2, cmd);
    }

    /**
     * pci_read_bases for every function: the kernel's struct resource of each BAR and the ROM, kept even if the
     * device changes later (a reset that zeroes a BAR leaves the resource): sysfs {@code resource} shows it, and QEMU's
     * xen_pt maps what it shows.
     */
    void readBases() {
        for (PhysicalFunction f : host.functions()) readBases(f);
    }

    /** pci_read_bases for one function (a hot-plugged one, once its resources are assigned). */
    void readBases(PhysicalFunction f) {
        PciDev d = devices.get(f.sbdf());
        for (int n = 0; n < f.layout().barCount(); n++) d.resource[n] = f.barImplemented(n) ? f.barAddress(n) : 0;
        d.resource[PciDev.ROM_RESOURCE] = f.romSize() > 0 ? f.romAddress() : 0;
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

}
