package vdm.host;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.InterruptSourceOverride;
import vdm.ioapic.IoApic;
import vdm.pci.Access;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;
import vdm.pci.catalog.Placement;
import vdm.pci.engine.Engine;

/**
 * The physical host at run time: its PCI functions (configuration spaces on pci-config's compiled engine), bridges,
 * IO-APICs ({@link #gsiSpace()}, built from the MADT) and ACPI interrupt routing ({@link #prt()}, link devices).
 * <p>
 * Configuration access by SBDF answers as the hardware does: a missing or unreachable function reads all ones and
 * drops writes. The lookup is two array indexings ({@code segment}, then {@code bus << 8 | devfn}), no map walk,
 * because Xen's trapped configuration accesses go through it.
 * <p>
 * Created in its power-on state: no bridge is programmed, so only root-bus functions answer until
 * {@link #enumerate()} (or software) programs the bridges.
 */
public final class Host {
    private static final PhysicalFunction[] NO_SEGMENT = new PhysicalFunction[0];

    private final HostDescription description;
    private final PhysicalFunction[][] segments;
    private final List<PhysicalFunction> functions;
    private final Map<Sbdf, Bridge> bridges;
    private final GsiSpace gsiSpace;
    private final Map<String, LinkDevice> links;
    private final Prt prt;
    /** Read on every message a function sends; written once when Xen starts on the host. */
    private volatile MsiTarget msiTarget = MsiTarget.DISCARD;
    /** Counts changes to where memory decodes; a decode map built at an older count is rebuilt before use. */
    private final java.util.concurrent.atomic.AtomicLong mmioGeneration = new java.util.concurrent.atomic.AtomicLong();
    private volatile MmioMap mmioMap;

    private Host(HostDescription d, InterruptSink sink) {
        this.description = d;
        int maxSegment = 0;
        for (BridgeDescriptor b : d.bridges()) maxSegment = Math.max(maxSegment, b.sbdf().segment());
        for (FunctionDescriptor f : d.functions()) maxSegment = Math.max(maxSegment, f.sbdf().segment());
        segments = new PhysicalFunction[maxSegment + 1][];
        // Bridges in bus order: an upstream bridge's bus is always below its children's, so parents come first.
        Map<Sbdf, Bridge> bridgeMap = new LinkedHashMap<>();
        Map<Integer, Bridge> bySecondary = new HashMap<>();
        List<PhysicalFunction> all = new ArrayList<>();
        List<BridgeDescriptor> bridgeOrder = new ArrayList<>(d.bridges());
        bridgeOrder.sort((a, b) -> Integer.compareUnsigned(a.sbdf().packed(), b.sbdf().packed()));
        for (BridgeDescriptor bd : bridgeOrder) {
            PhysicalFunction f = place(bd.sbdf(), bd.source(), bySecondary, "bridge ");
            Bridge bridge = new Bridge(bd, f);
            f.self = bridge;
            bridgeMap.put(bd.sbdf(), bridge);
            bySecondary.put(bd.sbdf().segment() << 8 | bd.secondaryBus(), bridge);
            all.add(f);
        }
        for (FunctionDescriptor fd : d.functions()) {
            PhysicalFunction f = place(fd.sbdf(), fd.source(), bySecondary, "device ");
            f.applyFirmware(fd.firmware()); // what firmware left in it at hand-over
            all.add(f);
        }
        all.sort((a, b) -> a.sbdf().compareTo(b.sbdf()));
        this.functions = List.copyOf(all);
        this.bridges = Collections.unmodifiableMap(bridgeMap);

        GsiSpace.Builder gsi = GsiSpace.builder();
        for (IoApicDescriptor a : d.madt().ioApics()) {
            gsi.add(IoApic.builder().id(a.id()).address(a.address()).gsiBase(a.gsiBase()).pins(a.pins()).sink(sink).build());
        }
        for (InterruptSourceOverride o : d.madt().overrides()) gsi.override(o);
        this.gsiSpace = gsi.build();

        Map<String, LinkDevice> linkMap = new LinkedHashMap<>();
        for (LinkDescriptor l : d.links()) linkMap.put(l.name(), new LinkDevice(l));
        this.links = Collections.unmodifiableMap(linkMap);
        Map<Integer, PrtEntry> entries = new HashMap<>();
        for (PrtEntry e : d.prt()) entries.put(e.key(), e);
        this.prt = new Prt(entries, linkMap, d.bridgeAbove());
    }

    private PhysicalFunction place(Sbdf sbdf, FunctionSource source, Map<Integer, Bridge> bySecondary, String what) {
        Bridge upstream = bySecondary.get(sbdf.segment() << 8 | sbdf.bus());
        // A function with no bridge above it is on a root bus; a catalog device in QEMU-compatible mode shows it.
        Placement placement = upstream == null ? Placement.ROOT_BUS : Placement.ROOT_PORT;
        FunctionSource.Resolved r = FunctionSource.resolve(source, placement, what + sbdf);
        ConfigSpace cs = Engine.COMPILED.create(r.layout());
        if (r.imported() != null) r.imported().load(cs);
        PhysicalFunction f = new PhysicalFunction(sbdf, source, cs, upstream);
        f.host = this;
        if (upstream != null) upstream.attach(f);
        PhysicalFunction[] seg = segments[sbdf.segment()];
        if (seg == null) seg = segments[sbdf.segment()] = new PhysicalFunction[1 << 16];
        seg[sbdf.packed() & 0xffff] = f;
        return f;
    }

    public static HostBuilder builder() {
        return new HostBuilder();
    }

    /** A running host of {@code description}; its IO-APICs deliver nowhere. */
    public static Host create(HostDescription description) {
        return create(description, InterruptSink.DISCARD);
    }

    public static Host create(HostDescription description, InterruptSink sink) {
        if (description == null) throw new IllegalArgumentException("host description is missing");
        if (sink == null) throw new IllegalArgumentException("interrupt sink is missing (use InterruptSink.DISCARD)");
        return new Host(description, sink);
    }

    /** The built-in small server, see {@link DefaultHost}. */
    public static Host defaultHost() {
        return DefaultHost.build();
    }

    public HostDescription description() {
        return description;
    }

    // ---------------------------------------------------------------- functions

    /** The function at packed SBDF ({@link Sbdf#packed()}), reachable or not; null if none. O(1), no allocation. */
    public PhysicalFunction lookup(int packedSbdf) {
        int segment = packedSbdf >>> 16;
        PhysicalFunction[] seg = segment < segments.length ? segments[segment] : NO_SEGMENT;
        return seg == null || seg.length == 0 ? null : seg[packedSbdf & 0xffff];
    }

    public Optional<PhysicalFunction> function(Sbdf sbdf) {
        return Optional.ofNullable(lookup(sbdf.packed()));
    }

    /** The function at {@code sbdf}; the error names the SBDF and what the host has. */
    public PhysicalFunction require(Sbdf sbdf) {
        PhysicalFunction f = lookup(sbdf.packed());
        if (f == null) throw new IllegalArgumentException("no function at " + sbdf + "; the host has " + functions.stream().map(x -> x.sbdf().toString()).toList());
        return f;
    }

    /** Every function, bridges included, by SBDF. */
    public List<PhysicalFunction> functions() {
        return functions;
    }

    public Optional<Bridge> bridge(Sbdf sbdf) {
        return Optional.ofNullable(bridges.get(sbdf));
    }

    /** The bridges, upstream ones first. */
    public List<Bridge> bridges() {
        return List.copyOf(bridges.values());
    }

    // ---------------------------------------------------------------- configuration access

    /** A configuration read by packed SBDF: all ones in the low {@code size} bytes if absent or unreachable. */
    public int read(int packedSbdf, int offset, int size) {
        PhysicalFunction f = lookup(packedSbdf);
        if (f == null) {
            Access.check(offset, size);
            return Access.ones(size);
        }
        return f.read(offset, size);
    }

    public int read(Sbdf sbdf, int offset, int size) {
        return read(sbdf.packed(), offset, size);
    }

    /**
     * A configuration write by packed SBDF: dropped (0) if absent or unreachable; else the pci-config
     * {@link vdm.pci.Effects} after the function's reactions (see {@link PhysicalFunction#write}).
     */
    public int write(int packedSbdf, int offset, int size, int value) {
        PhysicalFunction f = lookup(packedSbdf);
        if (f == null) {
            Access.check(offset, size);
            return 0;
        }
        return f.write(offset, size, value);
    }

    public int write(Sbdf sbdf, int offset, int size, int value) {
        return write(sbdf.packed(), offset, size, value);
    }

    // ---------------------------------------------------------------- resets

    /**
     * Resets the function at {@code sbdf}: FLR, D3HOT_TO_D0 and COLD reset it alone; SECONDARY_BUS pulses the
     * secondary bus reset of its upstream bridge, which resets every function on that bus and below (Linux
     * {@code pci_bridge_secondary_bus_reset}).
     * @throws IllegalArgumentException no function there, or SECONDARY_BUS on a root-bus function
     * @throws IllegalStateException    SECONDARY_BUS through an unreachable bridge (nothing happens)
     */
    public void reset(Sbdf sbdf, ResetKind kind) {
        PhysicalFunction f = require(sbdf);
        if (kind == ResetKind.SECONDARY_BUS) {
            Bridge up = f.upstreamOrNull();
            if (up == null) throw new IllegalArgumentException(sbdf + " is on a root bus: no bridge can reset its bus");
            up.secondaryBusReset();
        } else {
            f.reset(kind);
        }
    }

    /** Pulses Bridge Control bit 6 of the bridge at {@code bridge}: every function below it is reset. */
    public void secondaryBusReset(Sbdf bridge) {
        Bridge b = bridges.get(bridge);
        if (b == null) throw new IllegalArgumentException("no bridge at " + bridge + "; bridges: " + bridges.keySet());
        b.secondaryBusReset();
    }

    /** Power cycle: every function cold-reset, every link back to its described IRQ, the IO-APICs reset. */
    public void powerCycle() {
        for (PhysicalFunction f : functions) f.resetFunction(ResetKind.COLD);
        for (LinkDevice l : links.values()) {
            if (l.descriptor().current() == 0) l.disable(); else l.setResource(l.descriptor().current());
        }
        gsiSpace.reset();
    }

    /**
     * What firmware does before the OS boots, for bridges: upstream first, each gets its primary, secondary and
     * subordinate bus numbers and its described windows (closed windows get base above limit, as Linux and EDK2
     * leave them) through configuration writes, then, if none of the bridge's own BARs is left at 0, COMMAND I/O and
     * memory enables for its open windows and bus master. Returns this host.
     */
    public Host enumerate() {
        for (Bridge b : bridges.values()) {
            BridgeDescriptor d = b.descriptor();
            Sbdf s = d.sbdf();
            b.programBusNumbers(s.bus(), d.secondaryBus(), d.subordinateBus());
            PhysicalFunction f = b.function();
            Window io = d.io(), mem = d.memory(), pref = d.prefetchable();
            if (io != null) {
                f.write(0x1c, 1, (int) (io.base() >>> 8) & 0xf0);
                f.write(0x1d, 1, (int) (io.limit() >>> 8) & 0xf0);
                f.write(0x30, 2, (int) (io.base() >>> 16));
                f.write(0x32, 2, (int) (io.limit() >>> 16));
            } else {
                f.write(0x1c, 2, 0x00f0);
                f.write(0x30, 4, 0);
            }
            if (mem != null) {
                f.write(0x20, 4, (int) (mem.base() >>> 16) & 0xfff0 | ((int) (mem.limit() >>> 16) & 0xfff0) << 16);
            } else {
                f.write(0x20, 4, 0x0000_fff0);
            }
            if (pref != null) {
                f.write(0x24, 4, (int) (pref.base() >>> 16) & 0xfff0 | ((int) (pref.limit() >>> 16) & 0xfff0) << 16);
                f.write(0x28, 4, (int) (pref.base() >>> 32));
                f.write(0x2c, 4, (int) (pref.limit() >>> 32));
            } else {
                f.write(0x24, 4, 0x0000_fff0);
                f.write(0x28, 4, 0);
                f.write(0x2c, 4, 0);
            }
            // vdm's firmware leaves every BAR to the OS (at 0), a bridge's own too (a pcie-root-port's BAR0). It turns
            // a bridge's decoding on only when nothing of its own is left at 0: with decoding on, Xen's vPCI would try
            // to map BAR 0 at address 0 at boot (init_header -> modify_bars: "not mapping BAR [0, 0] invalid
            // position"); dom0's kernel assigns the BAR and pci_enable_device turns the decoding on.
            if (ownResourcesAssigned(f)) {
                int command = 0x4 | (io != null ? 0x1 : 0) | (mem != null || pref != null ? 0x2 : 0);
                f.write(0x04, 2, f.command() | command);
            }
        }
        return this;
    }

    private static boolean ownResourcesAssigned(PhysicalFunction f) {
        for (int n = 0; n < f.layout().barCount(); n++) if (f.barImplemented(n) && f.barAddress(n) == 0) return false;
        return f.romSize() == 0 || f.romAddress() != 0;
    }

    // ---------------------------------------------------------------- MMIO and MSI (issue 13: to be built)

    /** Where every function's MSI/MSI-X messages go (Xen, once it runs on the host); {@link MsiTarget#DISCARD} at first. */
    public void msiTarget(MsiTarget target) {
        if (target == null) throw new IllegalArgumentException("MSI target is missing (use MsiTarget.DISCARD)");
        this.msiTarget = target;
    }

    /** Where the functions' MSI/MSI-X messages go now. */
    public MsiTarget msiTarget() {
        return msiTarget;
    }

    /**
     * The memory BAR that decodes host physical address {@code address} now, if any: a BAR that decodes by its own
     * registers (COMMAND memory enable, address; {@link PhysicalFunction#barDecodes}) and that every bridge above
     * forwards the address to (COMMAND memory enable and the memory or prefetchable window, PCI-to-PCI Bridge spec 1.2,
     * 3.2.5.8-3.2.5.10). I/O BARs and expansion ROMs are not in this space.
     */
    public Optional<MmioHit> mmioDecode(long address) {
        MmioMap m = mmioMap();
        int slot = find(m, address, 1);
        return slot < 0 ? Optional.empty() : Optional.of(new MmioHit(m.function(slot), m.bar(slot), m.offset(slot, address)));
    }

    /**
     * A memory read at host physical {@code address} (size 1, 2, 4 or 8): the decoding BAR answers
     * ({@link PhysicalFunction#memRead}), else all ones (a master abort: nothing claimed it). An access that does not
     * lie wholly in one decoding BAR is not claimed. Allocates nothing.
     * @throws IllegalArgumentException a size other than 1, 2, 4 or 8
     */
    public long mmioRead(long address, int size) {
        checkMemorySize(address, size);
        MmioMap m = mmioMap();
        int slot = find(m, address, size);
        if (slot < 0) return size == 8 ? -1L : (1L << (8 * size)) - 1;
        return m.function(slot).memRead(m.bar(slot), m.offset(slot, address), size);
    }

    /** A memory write at host physical {@code address}: the decoding BAR takes it, else it is dropped. Allocates nothing. */
    public void mmioWrite(long address, int size, long value) {
        checkMemorySize(address, size);
        MmioMap m = mmioMap();
        int slot = find(m, address, size);
        if (slot >= 0) m.function(slot).memWrite(m.bar(slot), m.offset(slot, address), size, value);
    }

    /**
     * Tells the host that where memory decodes may have changed (a BAR, COMMAND, a bridge, a reset): the next access
     * rebuilds the decode map. Config writes over the bus and resets call it themselves; a caller that changes a
     * function's registers through {@link PhysicalFunction#config()} directly calls it so the new decoding is seen.
     */
    public void mmioChanged() {
        mmioGeneration.incrementAndGet();
    }

    private int find(MmioMap m, long address, int size) {
        int slot = m.find(address, size);
        if (slot != -2) return slot;
        mmioChanged(); // a BAR moved behind the bus's back: rebuild once and ask the fresh map
        MmioMap fresh = mmioMap();
        slot = fresh.find(address, size);
        return slot == -2 ? -1 : slot;
    }

    /** The decode map for the current generation; rebuilt (outside any lock: two builders build the same map) when stale. */
    private MmioMap mmioMap() {
        long g = mmioGeneration.get();
        MmioMap m = mmioMap;
        if (m != null && m.generation == g) return m;
        m = MmioMap.build(functions, g);
        mmioMap = m;
        return m;
    }

    private static void checkMemorySize(long address, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException(String.format("memory access at 0x%x: size %d is not 1, 2, 4 or 8", address, size));
        }
    }

    // ---------------------------------------------------------------- interrupts

    public Madt madt() {
        return description.madt();
    }

    /** What the host bridges forward to the root buses ({@link RootBusRanges}). */
    public RootBusRanges rootBusRanges() {
        return RootBusRanges.of(description.madt());
    }

    /** The physical IO-APICs, at the MADT's GSI bases, with its overrides. */
    public GsiSpace gsiSpace() {
        return gsiSpace;
    }

    public Prt prt() {
        return prt;
    }

    public Optional<LinkDevice> link(String name) {
        return Optional.ofNullable(links.get(name));
    }

    public List<LinkDevice> links() {
        return List.copyOf(links.values());
    }

    /**
     * The {@code _PRT} lookup: where INTx pin {@code pin} (0 = none, 1..4 = INTA..INTD) of {@code sbdf} arrives.
     * Empty for pin 0 or when nothing routes it; see {@link Prt#lookup(Sbdf, int)}.
     */
    public Optional<IntxRoute> prtLookup(Sbdf sbdf, int pin) {
        return prt.lookup(sbdf, pin);
    }

    /** The route of the function's own INTx pin (its Interrupt Pin register); empty if it has none or is absent. */
    public Optional<IntxRoute> route(Sbdf sbdf) {
        PhysicalFunction f = lookup(sbdf.packed());
        return f == null ? Optional.empty() : prt.lookup(sbdf, f.interruptPin());
    }

    /**
     * Like {@link #route} but, if the route goes through a disabled link, first allocates an IRQ for the link as
     * an OSPM does before enabling the device (Linux {@code acpi_pci_link_allocate_irq}).
     */
    public Optional<IntxRoute> routeAllocating(Sbdf sbdf) {
        Optional<IntxRoute> r = route(sbdf);
        if (r.isPresent() && r.get().viaLink() && !r.get().routed()) {
            links.get(r.get().link()).allocate();
            return route(sbdf);
        }
        return r;
    }

    @Override
    public String toString() {
        return "Host (" + functions.size() + " functions, " + bridges.size() + " bridges, " + gsiSpace.ioApics().size()
                + " IO-APICs)";
    }
}
