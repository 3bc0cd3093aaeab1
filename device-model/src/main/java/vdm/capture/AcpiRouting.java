package vdm.capture;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import vdm.capture.AmlNamespace.Evaluated;
import vdm.capture.CaptureReport.Omission;
import vdm.host.IntxPin;
import vdm.host.LinkDescriptor;
import vdm.host.PrtEntry;
import vdm.host.RootBus;
import vdm.pci.Sbdf;

/**
 * Interrupt routing from the namespace: host bridges (PNP0A03/PNP0A08 with {@code _SEG} and {@code _BBN}), every
 * {@code _PRT} placed on its bus, and the PCI interrupt link devices (PNP0C0F) its entries name. A {@code _PRT} on a
 * device below a host bridge belongs to the bus behind the bridge at that device's {@code _ADR}, found among the
 * captured bridges. A {@code _PRT} package is {Address (device << 16 | 0xFFFF), Pin 0..3, Source, Source Index}
 * (ACPI 6.5, 6.2.13; Linux {@code acpi_pci_irq_add_prt}): Source 0 means Source Index is the GSI, else Source names a
 * link device. Links are described only when an entry names them.
 */
final class AcpiRouting {
    record Result(List<RootBus> hostBridges, List<PrtEntry> prt, List<String> sources, List<LinkDescriptor> links,
                  List<Omission> omitted, List<String> notes) {}

    private static final Set<String> HOST_BRIDGE_IDS = Set.of("PNP0A03", "PNP0A08");
    private static final String LINK_ID = "PNP0C0F";

    private final AmlNamespace ns;
    /** segment << 16 | bus << 8 | devfn -> the secondary bus of the captured bridge there. */
    private final Map<Integer, Integer> bridges;
    private final List<Omission> omitted = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    AcpiRouting(AmlNamespace ns, Map<Integer, Integer> bridges) {
        this.ns = ns;
        this.bridges = bridges;
    }

    static int bridgeKey(Sbdf s) {
        return s.segment() << 16 | s.bus() << 8 | s.devfn();
    }

    Result run() {
        Map<String, RootBus> hostBridges = new LinkedHashMap<>();
        for (String d : ns.devices()) {
            if (ids(d).stream().anyMatch(HOST_BRIDGE_IDS::contains)) {
                hostBridges.put(d, new RootBus((int) integer(d + "._SEG", 0), (int) integer(d + "._BBN", 0)));
            }
        }
        Map<String, LinkDescriptor> links = new LinkedHashMap<>();
        Map<Integer, PrtEntry> prt = new LinkedHashMap<>();
        List<String> sources = new ArrayList<>();
        for (String d : ns.devices()) {
            if (!ns.has(d + "._PRT")) continue;
            Optional<int[]> bus = busOf(d, hostBridges);
            if (bus.isEmpty()) continue;
            int seg = bus.get()[0], b = bus.get()[1];
            Evaluated v = ns.value(d + "._PRT");
            if (!(v instanceof Evaluated.Known(AmlValue.Pkg(List<AmlValue> entries), boolean fromMethod))) {
                omitted.add(new Omission(d + "._PRT", v instanceof Evaluated.NotUnderstood(String why) ? why
                        : "is not a package of packages"));
                continue;
            }
            int taken = 0;
            for (int i = 0; i < entries.size(); i++) {
                String me = String.format("%s._PRT[%d]", d, i);
                PrtEntry e = entry(d, me, seg, b, entries.get(i), links);
                if (e == null) continue;
                int key = seg << 15 | b << 7 | e.device() << 2 | e.pin().prtIndex();
                if (prt.putIfAbsent(key, e) != null) {
                    omitted.add(new Omission(me, "a second entry for device " + e.device() + " " + e.pin() + "; the first one is kept"));
                    continue;
                }
                taken++;
            }
            sources.add(String.format("%s (bus %04x:%02x, %d%s)", d, seg, b, taken, fromMethod ? ", APIC-mode package of Method _PRT" : ""));
        }
        return new Result(List.copyOf(new java.util.LinkedHashSet<>(hostBridges.values())), List.copyOf(prt.values()), sources,
                List.copyOf(links.values()), omitted, notes);
    }

    /** The (segment, bus) a device's {@code _PRT} routes: a host bridge's root bus, or the bus behind a bridge. */
    private Optional<int[]> busOf(String device, Map<String, RootBus> hostBridges) {
        if (hostBridges.containsKey(device)) {
            RootBus r = hostBridges.get(device);
            return Optional.of(new int[] {r.segment(), r.bus()});
        }
        String parent = AmlNamespace.parent(device);
        if (parent.equals("\\")) {
            omitted.add(new Omission(device + "._PRT", "the device is under no PCI host bridge (PNP0A03/PNP0A08)"));
            return Optional.empty();
        }
        Optional<int[]> up = busOf(parent, hostBridges);
        if (up.isEmpty()) return up;
        Evaluated adr = ns.value(device + "._ADR");
        if (!(adr instanceof Evaluated.Known(AmlValue.Int(long a), boolean m))) {
            omitted.add(new Omission(device + "._PRT", "the device has no constant _ADR, so its bus is unknown"));
            return Optional.empty();
        }
        int dev = (int) (a >>> 16 & 0x1f), fn = (int) (a & 7);
        Integer secondary = bridges.get(up.get()[0] << 16 | up.get()[1] << 8 | dev << 3 | fn);
        if (secondary == null) {
            omitted.add(new Omission(device + "._PRT", String.format("no bridge was captured at %04x:%02x:%02x.%d (its _ADR 0x%x)",
                    up.get()[0], up.get()[1], dev, fn, a)));
            return Optional.empty();
        }
        return Optional.of(new int[] {up.get()[0], secondary});
    }

    private PrtEntry entry(String scope, String me, int seg, int bus, AmlValue v, Map<String, LinkDescriptor> links) {
        if (!(v instanceof AmlValue.Pkg(List<AmlValue> f)) || f.size() != 4) {
            omitted.add(new Omission(me, "is not a 4-element package {Address, Pin, Source, Source Index}"));
            return null;
        }
        if (!(f.get(0) instanceof AmlValue.Int(long address)) || !(f.get(1) instanceof AmlValue.Int(long pin))
                || !(f.get(3) instanceof AmlValue.Int(long index))) {
            omitted.add(new Omission(me, "Address, Pin and Source Index must be integer constants"));
            return null;
        }
        if (pin < 0 || pin > 3) {
            omitted.add(new Omission(me, "Pin " + pin + " is not 0..3 (INTA..INTD)"));
            return null;
        }
        int device = (int) (address >>> 16 & 0xffff);
        if (device > 0x1f) {
            omitted.add(new Omission(me, String.format("Address 0x%x names device %d, above 31", address, device)));
            return null;
        }
        if ((address & 0xffff) != 0xffff) {
            notes.add(String.format("%s: Address 0x%x has function 0x%x, not 0xFFFF; taken for every function, as Linux does", me,
                    address, address & 0xffff));
        }
        IntxPin p = IntxPin.values()[(int) pin];
        AmlValue source = f.get(2);
        if (source instanceof AmlValue.Int(long zero) && zero == 0) return PrtEntry.direct(seg, bus, device, p, (int) index);
        if (!(source instanceof AmlValue.NameRef(String name))) {
            omitted.add(new Omission(me, "Source is neither 0 nor a link device's name"));
            return null;
        }
        Optional<String> linkPath = ns.find(scope, name, ns.devices());
        if (linkPath.isEmpty()) {
            omitted.add(new Omission(me, "Source " + name + " is not a device declared in the tables"));
            return null;
        }
        LinkDescriptor link = link(linkPath.get(), links);
        if (link == null) return null;
        if (index != 0) notes.add(me + ": Source Index " + index + " into " + linkPath.get() + "'s resources; vdm's links have one interrupt");
        return PrtEntry.viaLink(seg, bus, device, p, link.name());
    }

    /** The link device at {@code path}, described once; null (with the reason noted) if it cannot be. */
    private final Map<String, String> linkPaths = new HashMap<>();

    private LinkDescriptor link(String path, Map<String, LinkDescriptor> links) {
        String name = AmlNamespace.lastSeg(path);
        if (links.containsKey(name)) {
            if (!path.equals(linkPaths.get(name))) {
                omitted.add(new Omission(path, "another link device, " + linkPaths.get(name) + ", has the same name " + name
                        + " and vdm names links by their last NameSeg"));
                return null;
            }
            return links.get(name);
        }
        if (!ids(path).contains(LINK_ID)) {
            omitted.add(new Omission(path, "a _PRT entry names it, but it is not a PCI interrupt link (PNP0C0F)"));
            return null;
        }
        Evaluated prs = ns.value(path + "._PRS");
        if (!(prs instanceof Evaluated.Known(AmlValue.Buf(byte[] prsBytes), boolean m1))) {
            omitted.add(new Omission(path, "its _PRS is not a resource template vdm can read"
                    + (prs instanceof Evaluated.NotUnderstood(String why) ? " (" + why + ")" : "")));
            return null;
        }
        ResourceTemplate possible = ResourceTemplate.parse(prsBytes, path + "._PRS");
        int current = 0;
        Evaluated crs = ns.value(path + "._CRS");
        if (crs instanceof Evaluated.Known(AmlValue.Buf(byte[] crsBytes), boolean m2)) {
            List<Integer> now = ResourceTemplate.parse(crsBytes, path + "._CRS").irqs();
            if (!now.isEmpty()) current = now.getFirst();
        } else {
            notes.add(path + ": _CRS is " + (crs instanceof Evaluated.NotUnderstood(String why) ? "not understood (" + why + ")" : "absent")
                    + "; its current IRQ is left 0 (disabled), as if Linux had not routed it yet");
        }
        if (current != 0 && !possible.irqs().contains(current)) {
            notes.add(path + ": _CRS says IRQ " + current + ", which _PRS does not offer; left 0 (disabled)");
            current = 0;
        }
        LinkDescriptor d;
        try {
            d = new LinkDescriptor(name, possible.irqs(), current, possible.trigger(), possible.polarity());
        } catch (IllegalArgumentException e) {
            omitted.add(new Omission(path, e.getMessage()));
            return null;
        }
        links.put(name, d);
        linkPaths.put(name, path);
        return d;
    }

    /** A device's {@code _HID} and {@code _CID}s as strings ("PNP0A08"), EISA IDs decoded. */
    private List<String> ids(String device) {
        List<String> out = new ArrayList<>();
        for (String n : List.of("._HID", "._CID")) {
            if (ns.value(device + n) instanceof Evaluated.Known(AmlValue v, boolean m)) {
                if (v instanceof AmlValue.Pkg(List<AmlValue> all)) all.forEach(x -> id(x).ifPresent(out::add));
                else id(v).ifPresent(out::add);
            }
        }
        return out;
    }

    private static Optional<String> id(AmlValue v) {
        if (v instanceof AmlValue.Str(String s)) return Optional.of(s);
        if (v instanceof AmlValue.Int(long n)) return Optional.of(eisaId(n));
        return Optional.empty();
    }

    /**
     * A compressed EISA ID (ACPI 6.5, 6.1.5: the ASL {@code EisaId} macro): stored little-endian, its first two bytes
     * are three 5-bit letters ('A' = 1) big-endian, its last two the product number's four hex digits.
     */
    static String eisaId(long v) {
        int b0 = (int) (v & 0xff), b1 = (int) (v >>> 8 & 0xff), b2 = (int) (v >>> 16 & 0xff), b3 = (int) (v >>> 24 & 0xff);
        int letters = b0 << 8 | b1;
        return String.format("%c%c%c%02X%02X", (char) ('@' + (letters >>> 10 & 0x1f)), (char) ('@' + (letters >>> 5 & 0x1f)),
                (char) ('@' + (letters & 0x1f)), b2, b3);
    }

    private long integer(String path, long dflt) {
        Evaluated v = ns.value(path);
        if (v instanceof Evaluated.Known(AmlValue.Int(long n), boolean m)) return n;
        if (v instanceof Evaluated.NotUnderstood(String why)) notes.add(path + " is not a constant (" + why + "); taken as " + dflt);
        return dflt;
    }
}
