package vdm.host;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import vdm.ioapic.GsiSpace;
import vdm.ioapic.InterruptSourceOverride;
import vdm.pci.Sbdf;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.catalog.Placement;
import vdm.pci.layout.Layout;

/**
 * A validated, immutable description of a host: root buses, bridges, functions, the MADT, the {@code _PRT} entries
 * and the link devices. A value: two descriptions of the same host are equal whatever order they were declared in
 * (lists are kept sorted). The constructor checks everything and throws a {@link HostDescriptionException} naming
 * the element at fault; a description that exists is consistent. {@link Host#create} makes a running host of it.
 */
public record HostDescription(List<RootBus> rootBuses, List<BridgeDescriptor> bridges,
                              List<FunctionDescriptor> functions, Madt madt, List<PrtEntry> prt,
                              List<LinkDescriptor> links, List<MemoryRegion> memoryMap) {
    /** A host described without its memory map (empty: Xen finds every BAR in a hole). */
    public HostDescription(List<RootBus> rootBuses, List<BridgeDescriptor> bridges, List<FunctionDescriptor> functions,
                           Madt madt, List<PrtEntry> prt, List<LinkDescriptor> links) {
        this(rootBuses, bridges, functions, madt, prt, links, List.of());
    }

    public HostDescription {
        rootBuses = rootBuses == null || rootBuses.isEmpty() ? List.of(new RootBus(0, 0))
                : rootBuses.stream().sorted(Comparator.comparingInt((RootBus r) -> r.segment() << 8 | r.bus())).toList();
        bridges = List.copyOf(bridges == null ? List.of() : bridges).stream()
                .sorted(Comparator.comparing(BridgeDescriptor::sbdf)).toList();
        functions = List.copyOf(functions == null ? List.of() : functions).stream()
                .sorted(Comparator.comparing(FunctionDescriptor::sbdf)).toList();
        if (madt == null) throw new HostDescriptionException("MADT", "is missing (no IO-APIC described)");
        madt = normalize(madt);
        prt = List.copyOf(prt == null ? List.of() : prt).stream().sorted(Comparator.comparingInt(PrtEntry::key)).toList();
        links = List.copyOf(links == null ? List.of() : links).stream()
                .sorted(Comparator.comparing(LinkDescriptor::name)).toList();
        memoryMap = List.copyOf(memoryMap == null ? List.of() : memoryMap).stream()
                .sorted((a, b) -> Long.compareUnsigned(a.start(), b.start())).toList();
        new Validator(rootBuses, bridges, functions, madt, prt, links).run();
        checkMemoryMap(memoryMap);
    }

    /** Entries of a memory map do not overlap (Linux's and Xen's sanitize_e820_map would merge or split them). */
    private static void checkMemoryMap(List<MemoryRegion> map) {
        for (int i = 1; i < map.size(); i++) {
            MemoryRegion a = map.get(i - 1), b = map.get(i);
            if (a.overlaps(b.start(), b.end())) throw new HostDescriptionException(b.toString(), "overlaps " + a);
        }
    }

    /** The memory map's entries that share an address with {@code [from, to]} (inclusive): Xen's !is_memory_hole. */
    public List<MemoryRegion> memoryOverlapping(long from, long to) {
        return memoryMap.stream().filter(r -> r.overlaps(from, to)).toList();
    }

    /** Sorts the MADT lists and adds the IRQ0 -> GSI 2 override unless IRQ0 has one (ACPI 6.5, 5.2.12.5). */
    private static Madt normalize(Madt madt) {
        List<IoApicDescriptor> apics = madt.ioApics().stream().sorted(Comparator.comparingInt(IoApicDescriptor::gsiBase)
                .thenComparingInt(IoApicDescriptor::id)).toList();
        List<InterruptSourceOverride> overrides = new ArrayList<>(madt.overrides());
        if (overrides.stream().noneMatch(o -> o.isaIrq() == 0)) overrides.add(InterruptSourceOverride.IRQ0_TO_GSI2);
        overrides.sort(Comparator.comparingInt(InterruptSourceOverride::isaIrq).thenComparingInt(InterruptSourceOverride::gsi));
        return new Madt(apics, overrides, madt.sci());
    }

    public Optional<BridgeDescriptor> bridge(Sbdf sbdf) {
        return bridges.stream().filter(b -> b.sbdf().equals(sbdf)).findFirst();
    }

    public Optional<FunctionDescriptor> function(Sbdf sbdf) {
        return functions.stream().filter(f -> f.sbdf().equals(sbdf)).findFirst();
    }

    /** segment << 8 | bus -> the bridge whose secondary bus it is. */
    Map<Integer, Sbdf> bridgeAbove() {
        Map<Integer, Sbdf> out = new HashMap<>();
        for (BridgeDescriptor b : bridges) out.put(b.sbdf().segment() << 8 | b.secondaryBus(), b.sbdf());
        return out;
    }

    /** The checks, in an order where each can rely on the earlier ones. */
    private record Validator(List<RootBus> roots, List<BridgeDescriptor> bridges, List<FunctionDescriptor> functions,
                             Madt madt, List<PrtEntry> prt, List<LinkDescriptor> links) {
        void run() {
            checkIoApics();
            checkOverridesAndSci();
            checkRoots();
            Map<Sbdf, Layout> layouts = checkFunctionsUnique();
            checkBridges(layouts);
            checkFunctionBuses(layouts);
            checkFirmware(layouts);
            Map<String, LinkDescriptor> byName = checkLinks();
            checkPrt(byName);
            checkEveryPinRoutes(layouts);
        }

        private void checkIoApics() {
            List<IoApicDescriptor> apics = madt.ioApics();
            if (apics.isEmpty()) throw new HostDescriptionException("MADT", "no IO-APIC is described; a host needs at least one");
            for (int i = 0; i < apics.size(); i++) {
                IoApicDescriptor a = apics.get(i);
                if ((long) a.gsiBase() + a.pins() > GsiSpace.MAX_GSIS) {
                    throw new HostDescriptionException(a.toString(), "GSIs stop at " + (GsiSpace.MAX_GSIS - 1));
                }
                for (int j = 0; j < i; j++) {
                    IoApicDescriptor b = apics.get(j);
                    if (a.id() == b.id()) throw new HostDescriptionException(a.toString(), "has the same ID as " + b);
                    if (a.address() == b.address()) throw new HostDescriptionException(a.toString(), "has the same MMIO address as " + b);
                    if (a.gsiBase() <= b.lastGsi() && b.gsiBase() <= a.lastGsi()) {
                        throw new HostDescriptionException(b.toString(), "its GSI range overlaps " + a + " (both would serve GSI "
                                + Math.max(a.gsiBase(), b.gsiBase()) + ")");
                    }
                }
            }
        }

        private void checkGsi(int gsi, String element) {
            if (madt.ioApicFor(gsi).isEmpty()) {
                throw new HostDescriptionException(element, "GSI " + gsi + " is outside every IO-APIC (" + ranges() + ")");
            }
        }

        private String ranges() {
            return madt.ioApics().stream().map(a -> a.gsiBase() + ".." + a.lastGsi()).collect(Collectors.joining(", "));
        }

        private void checkOverridesAndSci() {
            boolean[] seen = new boolean[16];
            for (InterruptSourceOverride o : madt.overrides()) {
                String me = "interrupt source override of ISA IRQ " + o.isaIrq();
                if (seen[o.isaIrq()]) throw new HostDescriptionException(me, "ISA IRQ " + o.isaIrq() + " is overridden twice");
                seen[o.isaIrq()] = true;
                checkGsi(o.gsi(), me);
            }
            if (madt.sci() != null) checkGsi(madt.sci().gsi(), "SCI");
        }

        private void checkRoots() {
            for (int i = 1; i < roots.size(); i++) {
                if (roots.get(i).equals(roots.get(i - 1))) throw new HostDescriptionException(roots.get(i).toString(), "is declared twice");
            }
        }

        private boolean isRoot(int segment, int bus) {
            return roots.contains(new RootBus(segment, bus));
        }

        private Map<Sbdf, Layout> checkFunctionsUnique() {
            Map<Sbdf, String> seen = new HashMap<>();
            Map<Sbdf, Layout> layouts = new HashMap<>();
            for (BridgeDescriptor b : bridges) {
                String earlier = seen.putIfAbsent(b.sbdf(), b.toString());
                if (earlier != null) throw new HostDescriptionException(b.toString(), "duplicate SBDF " + b.sbdf() + ", also " + earlier);
                layouts.put(b.sbdf(), resolve(b.source(), placement(b.sbdf()), "bridge " + b.sbdf()));
            }
            for (FunctionDescriptor f : functions) {
                String earlier = seen.putIfAbsent(f.sbdf(), f.toString());
                if (earlier != null) throw new HostDescriptionException(f.toString(), "duplicate SBDF " + f.sbdf() + ", also " + earlier);
                layouts.put(f.sbdf(), resolve(f.source(), placement(f.sbdf()), "device " + f.sbdf()));
            }
            return layouts;
        }

        /** As {@link Host} places it: on a declared root bus, or else behind a bridge. */
        private Placement placement(Sbdf sbdf) {
            return isRoot(sbdf.segment(), sbdf.bus()) ? Placement.ROOT_BUS : Placement.ROOT_PORT;
        }

        private static Layout resolve(FunctionSource source, Placement placement, String element) {
            if (source instanceof FunctionSource.Catalog c && !DeviceCatalog.names().contains(c.name())) {
                throw new HostDescriptionException(element, "unknown catalog device '" + c.name() + "'; known: "
                        + String.join(", ", DeviceCatalog.names()));
            }
            return FunctionSource.resolve(source, placement, element).layout();
        }

        private void checkBridges(Map<Sbdf, Layout> layouts) {
            Map<Integer, BridgeDescriptor> bySecondary = new HashMap<>();
            for (BridgeDescriptor b : bridges) {
                String me = b.toString();
                Layout l = layouts.get(b.sbdf());
                if (l.headerType() != 1) {
                    throw new HostDescriptionException(me, "layout '" + l.name() + "' has header type 0; a bridge needs a type 1 header");
                }
                if (b.secondaryBus() <= b.sbdf().bus() || b.secondaryBus() > 0xff) {
                    throw new HostDescriptionException(me, String.format("secondary bus %02x must be above its own bus %02x and at most ff",
                            b.secondaryBus(), b.sbdf().bus()));
                }
                if (b.subordinateBus() < b.secondaryBus() || b.subordinateBus() > 0xff) {
                    throw new HostDescriptionException(me, String.format("subordinate bus %02x must be secondary bus %02x..ff",
                            b.subordinateBus(), b.secondaryBus()));
                }
                for (RootBus r : roots) {
                    if (r.segment() == b.sbdf().segment() && b.covers(r.bus())) {
                        throw new HostDescriptionException(me, "its bus range includes " + r);
                    }
                }
                BridgeDescriptor other = bySecondary.putIfAbsent(b.sbdf().segment() << 8 | b.secondaryBus(), b);
                if (other != null) throw new HostDescriptionException(me, "has the same secondary bus as " + other);
                checkWindow(me, "io", b.io(), 0xfff, 0xffff_ffffL);
                checkWindow(me, "memory", b.memory(), 0xf_ffff, 0xffff_ffffL);
                checkWindow(me, "prefetchable", b.prefetchable(), 0xf_ffff, -1L);
            }
            for (BridgeDescriptor b : bridges) {
                BridgeDescriptor parent = bySecondary.get(b.sbdf().segment() << 8 | b.sbdf().bus());
                if (parent == null) {
                    if (!isRoot(b.sbdf().segment(), b.sbdf().bus())) throw missingBridge(b.toString(), b.sbdf());
                } else if (b.subordinateBus() > parent.subordinateBus()) {
                    throw new HostDescriptionException(b.toString(), String.format("its buses %02x..%02x do not fit in those of its "
                            + "upstream %s", b.secondaryBus(), b.subordinateBus(), parent));
                }
                for (BridgeDescriptor s : bridges) {
                    if (s == b || s.sbdf().segment() != b.sbdf().segment() || s.sbdf().bus() != b.sbdf().bus()) continue;
                    if (s.secondaryBus() <= b.subordinateBus() && b.secondaryBus() <= s.subordinateBus()) {
                        throw new HostDescriptionException(b.toString(), "its bus range overlaps that of " + s);
                    }
                }
            }
            // Bridges on different root buses of one segment are siblings too.
            for (BridgeDescriptor b : bridges) {
                if (!isRoot(b.sbdf().segment(), b.sbdf().bus())) continue;
                for (BridgeDescriptor s : bridges) {
                    if (s == b || !isRoot(s.sbdf().segment(), s.sbdf().bus()) || s.sbdf().segment() != b.sbdf().segment()) continue;
                    if (s.secondaryBus() <= b.subordinateBus() && b.secondaryBus() <= s.subordinateBus()) {
                        throw new HostDescriptionException(b.toString(), "its bus range overlaps that of " + s);
                    }
                }
            }
        }

        private static void checkWindow(String me, String kind, Window w, long granule, long max) {
            if (w == null) return;
            if ((w.base() & granule) != 0 || ((w.limit() + 1) & granule) != 0 || (max != -1L && w.limit() > max)) {
                throw new HostDescriptionException(me, String.format("%s window %s must be aligned to 0x%x%s", kind, w,
                        granule + 1, max != -1L ? String.format(" and end at or below 0x%x", max) : ""));
            }
        }

        private HostDescriptionException missingBridge(String me, Sbdf sbdf) {
            int seg = sbdf.segment(), bus = sbdf.bus();
            List<BridgeDescriptor> covering = bridges.stream().filter(x -> x.sbdf().segment() == seg && x.covers(bus)).toList();
            if (covering.isEmpty()) {
                return new HostDescriptionException(me, String.format("it is behind a missing bridge: bus %02x is not a root bus "
                        + "and no bridge's secondary..subordinate range covers it", bus));
            }
            return new HostDescriptionException(me, String.format("it is behind a missing bridge: bus %02x is within %s, but no "
                    + "bridge has it as its secondary bus", bus, covering.getLast()));
        }

        private void checkFunctionBuses(Map<Sbdf, Layout> layouts) {
            for (FunctionDescriptor f : functions) {
                int seg = f.sbdf().segment(), bus = f.sbdf().bus();
                boolean behindBridge = bridges.stream().anyMatch(b -> b.sbdf().segment() == seg && b.secondaryBus() == bus);
                if (!behindBridge && !isRoot(seg, bus)) throw missingBridge(f.toString(), f.sbdf());
                if (layouts.get(f.sbdf()).headerType() == 1) {
                    throw new HostDescriptionException(f.toString(), "has a type 1 (bridge) header; declare it as a bridge, "
                            + "with its bus numbers");
                }
            }
        }

        /** What firmware leaves in MSI-X needs an MSI-X capability to leave it in. */
        private void checkFirmware(Map<Sbdf, Layout> layouts) {
            for (FunctionDescriptor f : functions) {
                Layout l = layouts.get(f.sbdf());
                for (Map.Entry<Integer, Long> b : f.firmware().bars().entrySet()) {
                    vdm.pci.layout.Bar bar = l.bar(b.getKey());
                    if (bar == null || bar.kind() == vdm.pci.layout.BarKind.IO) {
                        throw new HostDescriptionException(f.toString(), "firmware is said to place BAR" + b.getKey()
                                + ", but layout '" + l.name() + "' has no memory BAR there");
                    }
                    if ((b.getValue() & (bar.size() - 1)) != 0 || (bar.kind() != vdm.pci.layout.BarKind.MEM64 && (b.getValue() >>> 32) != 0)) {
                        throw new HostDescriptionException(f.toString(), String.format("firmware's BAR%d address 0x%x does not fit the "
                                + "BAR (size 0x%x, %s)", b.getKey(), b.getValue(), bar.size(), bar.kind()));
                    }
                }
                if (!f.firmware().touchesMsix()) continue;
                if (l.capability(vdm.pci.cap.MsiX.ID, false) == null) {
                    throw new HostDescriptionException(f.toString(), "firmware is said to leave " + f.firmware()
                            + ", but layout '" + l.name() + "' has no MSI-X capability");
                }
            }
        }

        private Map<String, LinkDescriptor> checkLinks() {
            Map<String, LinkDescriptor> byName = new LinkedHashMap<>();
            for (LinkDescriptor l : links) {
                if (byName.putIfAbsent(l.name(), l) != null) throw new HostDescriptionException("link " + l.name(), "is declared twice");
                for (int irq : l.possible()) checkGsi(irq, "link " + l.name());
            }
            return byName;
        }

        private void checkPrt(Map<String, LinkDescriptor> links) {
            Map<Integer, PrtEntry> seen = new HashMap<>();
            for (PrtEntry e : prt) {
                String me = PrtEntry.describe(e.segment(), e.bus(), e.device(), e.pin());
                if (seen.putIfAbsent(e.key(), e) != null) throw new HostDescriptionException(me, "is declared twice");
                boolean busExists = isRoot(e.segment(), e.bus())
                        || bridges.stream().anyMatch(b -> b.sbdf().segment() == e.segment() && b.secondaryBus() == e.bus());
                if (!busExists) {
                    throw new HostDescriptionException(me, String.format("bus %02x is neither a root bus nor a bridge's secondary bus, "
                            + "so no _PRT can be there", e.bus()));
                }
                if (e.direct()) {
                    checkGsi(e.gsi(), me);
                } else if (!links.containsKey(e.link())) {
                    throw new HostDescriptionException(me, "names unknown link '" + e.link() + "'; links: "
                            + (links.isEmpty() ? "none" : String.join(", ", links.keySet())));
                }
            }
        }

        private void checkEveryPinRoutes(Map<Sbdf, Layout> layouts) {
            Map<Integer, PrtEntry> entries = new HashMap<>();
            for (PrtEntry e : prt) entries.put(e.key(), e);
            Map<String, LinkDevice> linkDevices = new HashMap<>();
            for (LinkDescriptor l : links) linkDevices.put(l.name(), new LinkDevice(l));
            Map<Integer, Sbdf> above = new HashMap<>();
            for (BridgeDescriptor b : bridges) above.put(b.sbdf().segment() << 8 | b.secondaryBus(), b.sbdf());
            Prt table = new Prt(entries, linkDevices, above);
            for (Map.Entry<Sbdf, Layout> e : new TreeMap<>(layouts).entrySet()) {
                int pin = e.getValue().initialBytes()[0x3d];
                if (pin == 0) continue;
                IntxPin p = IntxPin.ofRegister(pin);
                if (table.find(e.getKey(), p) == null) {
                    throw new HostDescriptionException(String.format("function %s (%s) %s", e.getKey(), e.getValue().name(), p),
                            "no _PRT entry routes it (neither on its bus nor, swizzled, on any bridge's bus up to the root)");
                }
            }
        }
    }
}
