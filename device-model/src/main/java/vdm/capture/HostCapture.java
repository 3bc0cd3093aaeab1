package vdm.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import vdm.capture.CaptureReport.IoApicChoice;
import vdm.capture.CaptureReport.Omission;
import vdm.host.BridgeDescriptor;
import vdm.host.FunctionDescriptor;
import vdm.host.FunctionSource;
import vdm.host.HostDescription;
import vdm.host.HostDescriptionException;
import vdm.host.IoApicDescriptor;
import vdm.host.LinkDescriptor;
import vdm.host.Madt;
import vdm.host.PrtEntry;
import vdm.host.RootBus;
import vdm.host.Sci;
import vdm.ioapic.InterruptSourceOverride;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;

/**
 * Makes a host description of a machine from its sysfs PCI tree and its ACPI tables (what {@code vdm host capture}
 * runs). Every function becomes an import of its {@code config} file with the BAR and ROM sizes of its
 * {@code resource} file; type 1 headers become bridges with their bus numbers and Linux's windows; the MADT gives
 * the IO-APICs and overrides, the FADT the SCI, the MCFG the ECAM segments, the DSDT and SSDTs the {@code _PRT}
 * entries and link devices. What cannot be described is left out and reported, never guessed.
 */
public final class HostCapture {
    /** The default pin count of an IO-APIC whose count nothing else decides: the 82093AA's, QEMU's, Firecracker's. */
    public static final int DEFAULT_PINS = 24;

    public static final Path SYSFS = Path.of("/sys/bus/pci/devices");
    public static final Path ACPI = Path.of("/sys/firmware/acpi/tables");
    public static final Path MEMMAP = Path.of("/sys/firmware/memmap");

    private final Path sysfs;
    private final Path acpi;
    /** The firmware memory map's directory, or null: none captured. */
    private final Path memmap;
    private final Map<Integer, Integer> pinsById;
    private final List<Omission> omitted = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private HostCapture(Path sysfs, Path acpi, Path memmap, Map<Integer, Integer> pinsById) {
        this.sysfs = sysfs;
        this.acpi = acpi;
        this.memmap = memmap;
        this.pinsById = Map.copyOf(pinsById);
    }

    /** Captures the machine under {@code sysfs} and {@code acpi}; {@code pinsById} fixes IO-APIC pin counts by ID. */
    public static Capture capture(Path sysfs, Path acpi, Map<Integer, Integer> pinsById) {
        return capture(sysfs, acpi, acpi.equals(ACPI) ? MEMMAP : null, pinsById);
    }

    /** As above, with the memory map read from {@code memmap} (a {@code /sys/firmware/memmap} tree; null: none). */
    public static Capture capture(Path sysfs, Path acpi, Path memmap, Map<Integer, Integer> pinsById) {
        return new HostCapture(sysfs, acpi, memmap, pinsById).run();
    }

    public static Capture capture(Path sysfs, Path acpi) {
        return capture(sysfs, acpi, Map.of());
    }

    private Capture run() {
        List<SysfsFunction> all = SysfsFunction.readAll(sysfs);
        MadtTable madt = MadtTable.parse(AcpiTable.read(acpi.resolve("APIC")));
        notes.addAll(madt.notes());
        FadtTable fadt = Files.exists(acpi.resolve("FACP")) ? FadtTable.parse(AcpiTable.read(acpi.resolve("FACP"))) : null;
        List<McfgTable.Segment> mcfg = Files.exists(acpi.resolve("MCFG")) ? McfgTable.parse(AcpiTable.read(acpi.resolve("MCFG"))).segments() : List.of();
        AmlNamespace ns = new AmlNamespace();
        List<Path> aml = amlTables();
        for (Path p : aml) ns.load(AcpiTable.read(p));
        notes.addAll(ns.notes());
        if (aml.isEmpty()) notes.add(acpi + " has no DSDT or SSDT: no _PRT entries, no link devices");

        // Topology: bridges by where they are, and the bus above each bridge's secondary bus.
        Map<Integer, Integer> bridgeAt = new HashMap<>();
        Map<Integer, Sbdf> bridgeAbove = new HashMap<>();
        for (SysfsFunction f : all) {
            if (f.headerType() != 1) continue;
            bridgeAt.put(AcpiRouting.bridgeKey(f.sbdf()), f.secondaryBus());
            bridgeAbove.put(f.sbdf().segment() << 8 | f.secondaryBus(), f.sbdf());
        }
        AcpiRouting.Result routing = new AcpiRouting(ns, bridgeAt).run();
        omitted.addAll(routing.omitted());
        notes.addAll(routing.notes());

        Set<SysfsFunction> kept = unroutedLeftOut(all, routing.prt(), bridgeAbove);
        List<BridgeDescriptor> bridges = new ArrayList<>();
        List<FunctionDescriptor> functions = new ArrayList<>();
        for (SysfsFunction f : all) {
            if (!kept.contains(f)) continue;
            FunctionSource.Dump dump = dump(f);
            if (f.headerType() == 1) {
                bridges.add(new BridgeDescriptor(f.sbdf(), dump, f.secondaryBus(), f.subordinateBus(), f.io(), f.memory(), f.prefetchable()));
            } else {
                functions.add(new FunctionDescriptor(f.sbdf(), dump));
            }
        }
        List<RootBus> roots = roots(kept, routing.hostBridges(), bridgeAbove);
        for (RootBus r : roots) {
            if (!mcfg.isEmpty() && mcfg.stream().noneMatch(s -> s.covers(r.segment(), r.bus()))) {
                notes.add(r + " is in no MCFG segment: its extended configuration space has no ECAM window");
            }
        }
        if (mcfg.isEmpty()) notes.add("no MCFG: no ECAM (MMCONFIG) segments; extended configuration space is unreachable");

        Sci sci = sci(fadt, madt.overrides());
        List<IoApicChoice> apics = ioApics(madt, routing, sci);
        Madt described = new Madt(apics.stream().map(IoApicChoice::apic).toList(), madt.overrides(), sci);
        HostDescription d;
        try {
            List<vdm.host.MemoryRegion> memory = memmap == null ? List.of() : Memmap.read(memmap, notes);
            d = new HostDescription(roots, bridges, functions, described, routing.prt(), routing.links(), memory);
        } catch (HostDescriptionException e) {
            throw new CaptureException("the captured host is not one vdm accepts, so nothing was written: " + e.getMessage(), e);
        }
        CaptureReport report = new CaptureReport(functions.size() + bridges.size(), bridges.size(), apics, madt.overrides(), sci, mcfg,
                routing.prt().size(), routing.sources(), routing.links().size(), omitted, notes);
        return new Capture(d, report);
    }

    /** DSDT, then the SSDTs (Linux names the second and later ones SSDT1, SSDT2...), also those loaded at run time. */
    private List<Path> amlTables() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(acpi)) throw new CaptureException(acpi + ": cannot read: no such directory");
        if (Files.exists(acpi.resolve("DSDT"))) out.add(acpi.resolve("DSDT"));
        for (Path dir : List.of(acpi, acpi.resolve("dynamic"))) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().startsWith("SSDT") && Files.isRegularFile(p)).sorted().forEach(out::add);
            } catch (java.io.IOException e) {
                throw new CaptureException(dir + ": cannot list: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static FunctionSource.Dump dump(SysfsFunction f) {
        Map<Integer, Long> bars = new TreeMap<>();
        int count = f.headerType() == 1 ? 2 : 6;
        for (int i = 0; i < count; i++) if (f.sizes()[i] > 0) bars.put(i, f.sizes()[i]);
        byte[] c = f.config();
        String name = String.format("%02x%02x:%02x%02x", c[1] & 0xff, c[0] & 0xff, c[3] & 0xff, c[2] & 0xff);
        return new FunctionSource.Dump(name, c, bars, f.sizes()[6], "sysfs " + f.sbdf());
    }

    /**
     * The functions to describe: all but those with an INTx pin that no {@code _PRT} entry routes (Linux's
     * {@code acpi_pci_irq_lookup}: the function's own bus, then swizzled across each bridge up to the root), and
     * everything behind a bridge left out. vdm's host needs every pin routed; a guess would be a fiction.
     */
    private Set<SysfsFunction> unroutedLeftOut(List<SysfsFunction> all, List<PrtEntry> prt, Map<Integer, Sbdf> bridgeAbove) {
        Set<Long> keys = new HashSet<>();
        for (PrtEntry e : prt) keys.add(key(e.segment(), e.bus(), e.device(), e.pin().prtIndex()));
        Set<Sbdf> out = new HashSet<>();
        Set<SysfsFunction> kept = new LinkedHashSet<>();
        for (SysfsFunction f : all) {
            if (f.interruptPin() > 4) {
                omitted.add(new Omission("function " + f.sbdf(), "Interrupt Pin register 0x3d holds " + f.interruptPin() + ", not 0..4"));
                out.add(f.sbdf());
            } else if (f.interruptPin() != 0 && !routed(f.sbdf(), f.interruptPin() - 1, keys, bridgeAbove)) {
                omitted.add(new Omission(String.format("function %s INT%c", f.sbdf(), (char) ('A' + f.interruptPin() - 1)),
                        "no _PRT entry routes it (on its bus, nor swizzled up to the root); Linux would find no GSI for it"));
                out.add(f.sbdf());
            }
        }
        for (SysfsFunction f : all) {
            Sbdf above = behindLeftOut(f.sbdf(), out, bridgeAbove);
            if (above != null && !out.contains(f.sbdf())) {
                omitted.add(new Omission("function " + f.sbdf(), "it is behind bridge " + above + ", which was left out"));
            } else if (above == null && !out.contains(f.sbdf())) {
                kept.add(f);
            }
        }
        return kept;
    }

    private static Sbdf behindLeftOut(Sbdf f, Set<Sbdf> out, Map<Integer, Sbdf> bridgeAbove) {
        for (Sbdf b = bridgeAbove.get(f.segment() << 8 | f.bus()); b != null; b = bridgeAbove.get(b.segment() << 8 | b.bus())) {
            if (out.contains(b)) return b;
        }
        return null;
    }

    private static boolean routed(Sbdf f, int pin, Set<Long> keys, Map<Integer, Sbdf> bridgeAbove) {
        Sbdf at = f;
        for (int hops = 0; hops < 256; hops++) {
            if (keys.contains(key(at.segment(), at.bus(), at.device(), pin))) return true;
            Sbdf bridge = bridgeAbove.get(at.segment() << 8 | at.bus());
            if (bridge == null) return false;
            pin = (pin + at.device()) & 3;   // pci_swizzle_interrupt_pin
            at = bridge;
        }
        return false;
    }

    private static long key(int seg, int bus, int dev, int pin) {
        return (long) seg << 15 | bus << 7 | dev << 2 | pin;
    }

    /** Each host bridge the DSDT declares, and each bus with functions that no captured bridge leads to. */
    private static List<RootBus> roots(Set<SysfsFunction> kept, List<RootBus> hostBridges, Map<Integer, Sbdf> bridgeAbove) {
        Set<RootBus> out = new LinkedHashSet<>(hostBridges);
        for (SysfsFunction f : kept) {
            if (!bridgeAbove.containsKey(f.sbdf().segment() << 8 | f.sbdf().bus())) out.add(new RootBus(f.sbdf().segment(), f.sbdf().bus()));
        }
        return List.copyOf(out);
    }

    /**
     * The SCI: FADT {@code SCI_INT} is an ISA IRQ; an override of that IRQ moves it and gives its flags, conforming
     * meaning level, active low (Linux {@code acpi_parse_int_src_ovr} -> {@code acpi_sci_ioapic_setup}; without an
     * override, {@code acpi_sci_ioapic_setup(sci_int, 0, 0, sci_int)}).
     */
    private Sci sci(FadtTable fadt, List<InterruptSourceOverride> overrides) {
        if (fadt == null) {
            notes.add("no FADT (FACP): no SCI");
            return null;
        }
        if (fadt.hardwareReduced()) {
            notes.add("the FADT sets HW_REDUCED_ACPI: the platform has no SCI (SCI_INT " + fadt.sciInt() + " is not used)");
            return null;
        }
        for (InterruptSourceOverride o : overrides) {
            if (o.isaIrq() == fadt.sciInt()) {
                TriggerMode t = (o.flags() & 0xc) == InterruptSourceOverride.TRIGGER_EDGE ? TriggerMode.EDGE : TriggerMode.LEVEL;
                Polarity p = (o.flags() & 3) == InterruptSourceOverride.POLARITY_ACTIVE_HIGH ? Polarity.ACTIVE_HIGH : Polarity.ACTIVE_LOW;
                return new Sci(o.gsi(), t, p);
            }
        }
        return Sci.at(fadt.sciInt());
    }

    /**
     * The IO-APICs with pin counts. The MADT does not carry them (the OS reads each IO-APIC's VER register), so: a
     * count given with {@code --ioapic-pins} wins; else {@value #DEFAULT_PINS}, raised to reach the highest GSI the
     * tables use in that IO-APIC's range, and lowered so as not to reach the next IO-APIC's GSI base.
     */
    private List<IoApicChoice> ioApics(MadtTable madt, AcpiRouting.Result routing, Sci sci) {
        if (madt.ioApics().isEmpty()) throw new CaptureException(acpi.resolve("APIC") + ": the MADT lists no I/O APIC; vdm's host needs one");
        List<MadtTable.IoApicEntry> sorted = madt.ioApics().stream().sorted((a, b) -> Integer.compare(a.gsiBase(), b.gsiBase())).toList();
        Map<Integer, String> used = new TreeMap<>();
        for (PrtEntry e : routing.prt()) if (e.direct()) used.putIfAbsent(e.gsi(), "a _PRT entry");
        for (LinkDescriptor l : routing.links()) for (int g : l.possible()) used.putIfAbsent(g, "link " + l.name());
        for (InterruptSourceOverride o : madt.overrides()) used.putIfAbsent(o.gsi(), "the override of IRQ" + o.isaIrq());
        if (sci != null) used.putIfAbsent(sci.gsi(), "the SCI");
        List<IoApicChoice> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            MadtTable.IoApicEntry a = sorted.get(i);
            long next = i + 1 < sorted.size() ? sorted.get(i + 1).gsiBase() : Long.MAX_VALUE;
            int pins;
            String why;
            if (pinsById.containsKey(a.id())) {
                pins = pinsById.get(a.id());
                why = "given with --ioapic-pins";
            } else {
                pins = DEFAULT_PINS;
                why = "the MADT does not say; " + DEFAULT_PINS + ", the 82093AA's count";
                int highest = -1;
                String what = null;
                for (Map.Entry<Integer, String> u : used.entrySet()) {
                    if (u.getKey() >= a.gsiBase() && u.getKey() < next) {
                        highest = u.getKey();
                        what = u.getValue();
                    }
                }
                if (highest - a.gsiBase() + 1 > pins) {
                    pins = Math.min(highest - a.gsiBase() + 1, 240);
                    why = "the MADT does not say; enough for GSI " + highest + ", which " + what + " uses";
                }
                if (a.gsiBase() + (long) pins > next) {
                    pins = (int) (next - a.gsiBase());
                    why = "the MADT does not say; up to the next IO-APIC's GSI base " + next;
                }
            }
            try {
                out.add(new IoApicChoice(new IoApicDescriptor(a.id(), a.address(), a.gsiBase(), pins), why));
            } catch (HostDescriptionException e) {
                throw new CaptureException(String.format("%s: I/O APIC at offset %d: vdm cannot describe it: %s", acpi.resolve("APIC"),
                        a.offset(), e.getMessage()), e);
            }
        }
        for (int id : pinsById.keySet()) {
            if (madt.ioApics().stream().noneMatch(a -> a.id() == id)) {
                throw new CaptureException("--ioapic-pins names IO-APIC " + id + ", which the MADT does not list (IDs: "
                        + madt.ioApics().stream().map(a -> String.valueOf(a.id())).collect(java.util.stream.Collectors.joining(", ")) + ")");
            }
        }
        return out;
    }
}
