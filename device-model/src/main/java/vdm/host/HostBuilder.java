package vdm.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.InterruptSourceOverride;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.pci.layout.Layout;

/**
 * Describes a host fluently; {@link #describe()} validates (see {@link HostDescription}) and {@link #build()} makes
 * the running {@link Host}. Bus, device and GSI numbers are plain ints; SBDFs are text ({@code SSSS:BB:DD.F} or
 * {@code BB:DD.F}). A call with a malformed argument fails at once; cross-element problems (duplicate SBDF, unknown
 * link, ...) fail in {@code describe()}/{@code build()}, which return nothing half-built.
 * <pre>{@code
 * Host host = Host.builder()
 *         .ioApic(0, 0xfec00000L, 0, 24).ioApic(1, 0xfec01000L, 24, 32).sci(9)
 *         .device("0000:00:03.0", "e1000e")
 *         .bridge("0000:00:1c.0", "pcie-root-port", 1)
 *         .device("0000:01:00.0", "nvme")
 *         .prt(0, 3, IntxPin.A, 38).prt(0, 0x1c, IntxPin.A, 16).prtLink(1, 0, IntxPin.A, "LNKA")
 *         .link("LNKA", List.of(20, 21, 22, 23), 21)
 *         .build();
 * }</pre>
 */
public final class HostBuilder {
    private final List<RootBus> roots = new ArrayList<>();
    private final List<BridgeDescriptor> bridges = new ArrayList<>();
    private final List<FunctionDescriptor> functions = new ArrayList<>();
    private final List<MemoryRegion> memoryMap = new ArrayList<>();
    private final List<IoApicDescriptor> ioApics = new ArrayList<>();
    private final List<InterruptSourceOverride> overrides = new ArrayList<>();
    private Sci sci;
    private final List<PrtEntry> prt = new ArrayList<>();
    private final List<LinkDescriptor> links = new ArrayList<>();
    private InterruptSink sink = InterruptSink.DISCARD;

    HostBuilder() {}

    /** A root bus of segment 0 (without any, the host has root bus 0000:00). */
    public HostBuilder rootBridge(int bus) {
        return rootBridge(0, bus);
    }

    public HostBuilder rootBridge(int segment, int bus) {
        roots.add(new RootBus(segment, bus));
        return this;
    }

    /** A MADT I/O APIC entry: ID, MMIO address, first GSI, pin count. */
    public HostBuilder ioApic(int id, long address, int gsiBase, int pins) {
        ioApics.add(new IoApicDescriptor(id, address, gsiBase, pins));
        return this;
    }

    /** An interrupt source override with conforming (ISA: edge, active high) flags. */
    public HostBuilder override(int isaIrq, int gsi) {
        return override(isaIrq, gsi, 0);
    }

    public HostBuilder override(int isaIrq, int gsi, TriggerMode trigger, Polarity polarity) {
        int flags = (polarity == Polarity.ACTIVE_LOW ? InterruptSourceOverride.POLARITY_ACTIVE_LOW : InterruptSourceOverride.POLARITY_ACTIVE_HIGH)
                | (trigger == TriggerMode.LEVEL ? InterruptSourceOverride.TRIGGER_LEVEL : InterruptSourceOverride.TRIGGER_EDGE);
        return override(isaIrq, gsi, flags);
    }

    /** An override with raw MPS INTI flags (ACPI 6.5, table 5.26). */
    public HostBuilder override(int isaIrq, int gsi, int flags) {
        try {
            overrides.add(new InterruptSourceOverride(isaIrq, gsi, flags));
        } catch (IllegalArgumentException e) {
            throw new HostDescriptionException("interrupt source override of ISA IRQ " + isaIrq, e.getMessage(), e);
        }
        return this;
    }

    /** The SCI on {@code gsi}, level, active low. */
    public HostBuilder sci(int gsi) {
        this.sci = Sci.at(gsi);
        return this;
    }

    public HostBuilder sci(int gsi, TriggerMode trigger, Polarity polarity) {
        this.sci = new Sci(gsi, trigger, polarity);
        return this;
    }

    /** A catalog device (pci-config's DeviceCatalog: e1000, e1000e, virtio-net-pci, nvme, gpu...). */
    public HostBuilder device(String sbdf, String catalogName) {
        return device(sbdf, new FunctionSource.Catalog(catalogName));
    }

    public HostBuilder device(String sbdf, LayoutSpec spec) {
        return device(sbdf, new FunctionSource.Declared(spec));
    }

    /** Any pci-config layout (Java only: not representable in JSON). */
    public HostBuilder device(String sbdf, Layout layout) {
        return device(sbdf, new FunctionSource.Custom(layout));
    }

    /** An entry of the host's memory map (E820): {@code [start, end]}, both inclusive. */
    public HostBuilder memory(long start, long end, MemoryRegion.Type type) {
        memoryMap.add(new MemoryRegion(start, end, type));
        return this;
    }

    public HostBuilder device(String sbdf, FunctionSource source) {
        return device(sbdf, source, Firmware.NONE);
    }

    /** A function with what firmware left in it at hand-over (MSI-X MASKALL/ENABLE, {@link Firmware}). */
    public HostBuilder device(String sbdf, FunctionSource source, Firmware firmware) {
        functions.add(new FunctionDescriptor(parse(sbdf, "device"), source, firmware));
        return this;
    }

    /**
     * A device imported from a configuration space dump ({@code lspci -xxx} bytes or a sysfs {@code config} file),
     * with the BAR sizes by index and ROM size (0: none) the dump cannot give.
     */
    public HostBuilder importedDevice(String sbdf, String name, byte[] config, Map<Integer, Long> barSizes, long romSize) {
        return device(sbdf, new FunctionSource.Dump(name, config, barSizes, romSize, "dump"));
    }

    /** A bridge whose subordinate bus is its secondary bus (nothing below but one bus). */
    public HostBuilder bridge(String sbdf, String catalogName, int secondaryBus) {
        return bridge(sbdf, catalogName, secondaryBus, secondaryBus);
    }

    public HostBuilder bridge(String sbdf, String catalogName, int secondaryBus, int subordinateBus) {
        return bridge(BridgeDescriptor.of(parse(sbdf, "bridge"), new FunctionSource.Catalog(catalogName), secondaryBus, subordinateBus));
    }

    public HostBuilder bridge(String sbdf, LayoutSpec spec, int secondaryBus, int subordinateBus) {
        return bridge(BridgeDescriptor.of(parse(sbdf, "bridge"), new FunctionSource.Declared(spec), secondaryBus, subordinateBus));
    }

    /** A bridge with everything said, windows included. */
    public HostBuilder bridge(BridgeDescriptor bridge) {
        bridges.add(bridge);
        return this;
    }

    /** {@code _PRT} of segment 0 bus {@code bus}: (device, pin) wired to {@code gsi}. */
    public HostBuilder prt(int bus, int device, IntxPin pin, int gsi) {
        return prt(0, bus, device, pin, gsi);
    }

    public HostBuilder prt(int segment, int bus, int device, IntxPin pin, int gsi) {
        prt.add(PrtEntry.direct(segment, bus, device, pin, gsi));
        return this;
    }

    /** {@code _PRT} of segment 0 bus {@code bus}: (device, pin) routed through link device {@code link}. */
    public HostBuilder prtLink(int bus, int device, IntxPin pin, String link) {
        return prtLink(0, bus, device, pin, link);
    }

    public HostBuilder prtLink(int segment, int bus, int device, IntxPin pin, String link) {
        prt.add(PrtEntry.viaLink(segment, bus, device, pin, link));
        return this;
    }

    /** A link device, level, active low (PCI's default); {@code current} 0 = disabled. */
    public HostBuilder link(String name, List<Integer> possible, int current) {
        links.add(LinkDescriptor.pci(name, possible, current));
        return this;
    }

    public HostBuilder link(String name, List<Integer> possible, int current, TriggerMode trigger, Polarity polarity) {
        links.add(new LinkDescriptor(name, possible, current, trigger, polarity));
        return this;
    }

    /** Where the physical IO-APICs deliver (default: nowhere). */
    public HostBuilder interruptSink(InterruptSink sink) {
        if (sink == null) throw new IllegalArgumentException("interrupt sink is missing (use InterruptSink.DISCARD)");
        this.sink = sink;
        return this;
    }

    /** Validates and returns the description. */
    public HostDescription describe() {
        return new HostDescription(roots, bridges, functions, new Madt(ioApics, overrides, sci), prt, links, memoryMap);
    }

    /** Validates and makes the host, in its power-on state (no bridge programmed: call {@link Host#enumerate()}). */
    public Host build() {
        return Host.create(describe(), sink);
    }

    private static Sbdf parse(String sbdf, String what) {
        try {
            return Sbdf.parse(sbdf);
        } catch (IllegalArgumentException e) {
            throw new HostDescriptionException(what + " " + sbdf, e.getMessage(), e);
        }
    }
}
