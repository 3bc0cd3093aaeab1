package vdm.pci.layout;

import java.util.ArrayList;
import java.util.List;
import vdm.pci.Effects;
import vdm.pci.Mode;

/**
 * Declares a function's configuration space. Every invalid declaration fails in {@link #build()} (or at the call
 * that makes it invalid) with a {@link LayoutException} naming the field; a failed build returns nothing.
 * Capabilities are linked in the order they are declared (standard from 0x34, extended from 0x100).
 */
public final class LayoutBuilder {
    public static final int COMMAND_WRITABLE_DEFAULT = 0x0507;
    public static final int STATUS_W1C_DEFAULT = 0xf900;

    private final String name;
    private final int headerType;
    private Mode mode = Mode.HARDWARE;
    private int vendor = -1;
    private int device;
    private int revision;
    private int classCode;
    private int subsystemVendor;
    private int subsystem;
    private boolean multifunction;
    private int interruptPin;
    private int commandWritable = COMMAND_WRITABLE_DEFAULT;
    private int statusW1c = STATUS_W1C_DEFAULT;
    private int statusConst;
    private int cacheLineSize;
    private boolean cacheLineWritable = true;
    private Boolean express;
    private final Bar[] bars;
    private long romSize;
    private final List<Capability> standard = new ArrayList<>();
    private final List<Capability> extended = new ArrayList<>();

    LayoutBuilder(String name, int headerType) {
        if (name == null || name.isBlank()) throw new LayoutException("layout name is missing");
        this.name = name;
        this.headerType = headerType;
        this.bars = new Bar[headerType == 1 ? 2 : 6];
    }

    public LayoutBuilder mode(Mode mode) {
        if (mode == null) throw new LayoutException(name + ": mode is missing");
        this.mode = mode;
        return this;
    }

    public LayoutBuilder ids(int vendor, int device) {
        if (vendor < 0 || vendor >= 0xffff) throw new LayoutException(String.format("%s: vendor ID 0x%x must be 0..0xfffe "
                + "(0xffff means no function)", name, vendor));
        if (device < 0 || device > 0xffff) throw new LayoutException(String.format("%s: device ID 0x%x must fit 16 bits", name, device));
        this.vendor = vendor;
        this.device = device;
        return this;
    }

    public LayoutBuilder revision(int revision) {
        if (revision < 0 || revision > 0xff) throw new LayoutException(name + ": revision " + revision + " must fit 8 bits");
        this.revision = revision;
        return this;
    }

    /** Base class, subclass and programming interface, e.g. 0x020000 for an Ethernet controller. */
    public LayoutBuilder classCode(int classCode) {
        if (classCode < 0 || classCode > 0xffffff) throw new LayoutException(String.format("%s: class code 0x%x must fit 24 bits", name, classCode));
        this.classCode = classCode;
        return this;
    }

    public LayoutBuilder subsystem(int vendor, int id) {
        if (headerType != 0) throw new LayoutException(name + ": a type 1 header has no subsystem IDs");
        if (vendor < 0 || vendor > 0xffff || id < 0 || id > 0xffff) {
            throw new LayoutException(String.format("%s: subsystem %x:%x must fit 16 bits each", name, vendor, id));
        }
        this.subsystemVendor = vendor;
        this.subsystem = id;
        return this;
    }

    public LayoutBuilder multifunction(boolean value) {
        this.multifunction = value;
        return this;
    }

    /** 0 = none, 1..4 = INTA#..INTD#. */
    public LayoutBuilder interruptPin(int pin) {
        if (pin < 0 || pin > 4) throw new LayoutException(name + ": interrupt pin " + pin + " must be 0 (none) or 1..4 (INTA..INTD)");
        this.interruptPin = pin;
        return this;
    }

    /** Writable COMMAND bits (default 0x0507: I/O, memory, bus master, SERR#, INTx disable). */
    public LayoutBuilder commandWritable(int mask) {
        if ((mask & ~0x07ff) != 0) throw new LayoutException(String.format("%s: COMMAND writable mask 0x%x sets reserved bits 15:11", name, mask));
        this.commandWritable = mask;
        return this;
    }

    /** Write-1-to-clear STATUS bits (default 0xf900). */
    public LayoutBuilder statusW1c(int mask) {
        if ((mask & ~0xf900) != 0) throw new LayoutException(String.format("%s: STATUS w1c mask 0x%x goes beyond the error bits 0xf900", name, mask));
        this.statusW1c = mask;
        return this;
    }

    /** Hard-wired STATUS bits such as 66 MHz capable (0x0020) or fast back-to-back (0x0080); CAP_LIST is automatic. */
    public LayoutBuilder statusConst(int bits) {
        if ((bits & ~0x06e0) != 0) throw new LayoutException(String.format("%s: STATUS constant bits 0x%x must be within 0x06e0", name, bits));
        this.statusConst = bits;
        return this;
    }

    public LayoutBuilder cacheLineSize(int value, boolean writable) {
        if (value < 0 || value > 0xff) throw new LayoutException(name + ": cache line size " + value + " must fit 8 bits");
        this.cacheLineSize = value;
        this.cacheLineWritable = writable;
        return this;
    }

    /** Forces a 4096-byte (PCI Express) or 256-byte space; by default a PCIe or extended capability implies 4096. */
    public LayoutBuilder express(boolean value) {
        this.express = value;
        return this;
    }

    public LayoutBuilder bar(int index, Bar bar) {
        if (index < 0 || index >= bars.length) {
            throw new LayoutException(String.format("%s: BAR%d does not exist in a type %d header (BAR0..BAR%d)", name, index, headerType, bars.length - 1));
        }
        if (bar == null) throw new LayoutException(name + ": BAR" + index + " declaration is missing");
        if (bar.slots() == 2 && index == bars.length - 1) {
            throw new LayoutException(String.format("%s: BAR%d: a 64-bit BAR may not take the last slot", name, index));
        }
        if (bars[index] != null) throw new LayoutException(String.format("%s: BAR%d is declared twice", name, index));
        if (index > 0 && bars[index - 1] != null && bars[index - 1].slots() == 2) {
            throw new LayoutException(String.format("%s: BAR%d is the upper half of 64-bit BAR%d", name, index, index - 1));
        }
        if (bar.slots() == 2 && bars[index + 1] != null) {
            throw new LayoutException(String.format("%s: BAR%d is 64-bit but BAR%d is already declared", name, index, index + 1));
        }
        bars[index] = bar;
        return this;
    }

    /** Expansion ROM of {@code size} bytes (a power of two, 2 KiB to 16 MiB). */
    public LayoutBuilder rom(long size) {
        if (size < 2048 || size > (16L << 20) || Long.bitCount(size) != 1) {
            throw new LayoutException(name + ": ROM size " + size + " must be a power of two from 2 KiB to 16 MiB");
        }
        this.romSize = size;
        return this;
    }

    public LayoutBuilder capability(Capability cap) {
        if (cap == null) throw new LayoutException(name + ": capability is missing");
        (cap.extended() ? extended : standard).add(cap);
        return this;
    }

    public LayoutBuilder capabilities(Capability... caps) {
        for (Capability c : caps) capability(c);
        return this;
    }

    public Layout build() {
        if (vendor < 0) throw new LayoutException(name + ": vendor and device IDs are missing (ids(vendor, device))");
        boolean pcie = express != null ? express
                : !extended.isEmpty() || standard.stream().anyMatch(Capability::makesExpressFunction);
        if (!pcie && !extended.isEmpty()) {
            throw new LayoutException(name + ": extended capability " + extended.getFirst().name()
                    + " needs a 4096-byte (PCI Express) configuration space");
        }
        int size = pcie ? 4096 : 256;
        List<Layout.PlacedCapability> placedStd = place(standard, 0x40, 0x100, "standard");
        List<Layout.PlacedCapability> placedExt = place(extended, 0x100, size, "extended");
        if (!placedExt.isEmpty() && placedExt.getFirst().offset() != 0x100) {
            throw new LayoutException(String.format("%s: the first extended capability (%s) must be at 0x100, not 0x%x",
                    name, placedExt.getFirst().name(), placedExt.getFirst().offset()));
        }
        RegisterMap map = new RegisterMap(size);
        declareCommon(map, placedStd.isEmpty() ? 0 : placedStd.getFirst().offset());
        if (headerType == 0) declareType0(map); else declareType1(map);
        for (int i = 0; i < placedStd.size(); i++) {
            int next = i + 1 < placedStd.size() ? placedStd.get(i + 1).offset() : 0;
            placedStd.get(i).capability().declare(map, placedStd.get(i).offset(), next);
        }
        for (int i = 0; i < placedExt.size(); i++) {
            int next = i + 1 < placedExt.size() ? placedExt.get(i + 1).offset() : 0;
            placedExt.get(i).capability().declare(map, placedExt.get(i).offset(), next);
        }
        if (mode == Mode.QEMU_COMPAT) {
            // As QEMU's pci_init_wmask: everything past the header is writable unless a capability claims it.
            for (int b = 0x40; b < size; b++) {
                if (!map.claimed(b, b + 1)) map.declare("scratch", String.format("0x%x", b), b, 1, BitKind.RW, 0xff, 0);
            }
        }
        List<Layout.PlacedCapability> all = new ArrayList<>(placedStd);
        all.addAll(placedExt);
        boolean noSoftReset = standard.stream().anyMatch(Capability::declaresNoSoftReset);
        return new Layout(name, mode, size, headerType, map, bars, romSize, all, noSoftReset);
    }

    private List<Layout.PlacedCapability> place(List<Capability> caps, int from, int to, String kind) {
        List<int[]> taken = new ArrayList<>(); // {start, end, index}
        int[] offsets = new int[caps.size()];
        for (int i = 0; i < caps.size(); i++) {
            Capability c = caps.get(i);
            int off = c.requestedOffset();
            offsets[i] = -1;
            if (off < 0) continue;
            if ((off & 3) != 0 || off < from || off + c.length() > to) {
                throw new LayoutException(String.format("%s: capability %s at 0x%x (length %d) must be dword-aligned "
                        + "within 0x%x..0x%x (%s capabilities)", name, c.name(), off, c.length(), from, to - 1, kind));
            }
            for (int[] t : taken) {
                if (off < t[1] && t[0] < off + c.length()) {
                    Capability o = caps.get(t[2]);
                    throw new LayoutException(String.format("%s: capability %s (0x%x..0x%x) overlaps capability %s "
                            + "(0x%x..0x%x)", name, c.name(), off, off + c.length() - 1, o.name(), t[0], t[1] - 1));
                }
            }
            taken.add(new int[] {off, off + c.length(), i});
            offsets[i] = off;
        }
        for (int i = 0; i < caps.size(); i++) {
            if (offsets[i] >= 0) continue;
            Capability c = caps.get(i);
            int off = from;
            boolean moved = true;
            while (moved) {
                moved = false;
                for (int[] t : taken) {
                    if (off < t[1] && t[0] < off + c.length()) {
                        off = (t[1] + 3) & ~3;
                        moved = true;
                    }
                }
            }
            if (off + c.length() > to) {
                throw new LayoutException(String.format("%s: no room for capability %s (%d bytes) in the %s space",
                        name, c.name(), c.length(), kind));
            }
            taken.add(new int[] {off, off + c.length(), i});
            offsets[i] = off;
        }
        List<Layout.PlacedCapability> out = new ArrayList<>();
        for (int i = 0; i < caps.size(); i++) out.add(new Layout.PlacedCapability(caps.get(i), offsets[i]));
        return out;
    }

    private void declareCommon(RegisterMap map, int capPointer) {
        String h = "header";
        map.declare(h, "VendorID", 0x00, 2, BitKind.CONST, vendor);
        map.declare(h, "DeviceID", 0x02, 2, BitKind.CONST, device);
        map.declare(h, "Command", 0x04, 2, BitKind.RW, commandWritable, 0);
        map.declare(h, "CommandReserved", 0x04, 2, BitKind.RSVDP, 0xffff & ~commandWritable, 0);
        map.watch(0x04, 2, 0x0001, Effects.COMMAND_IO);
        map.watch(0x04, 2, 0x0002, Effects.COMMAND_MEMORY);
        map.watch(0x04, 2, 0x0004, Effects.COMMAND_MASTER);
        map.watch(0x04, 2, 0x0400, Effects.COMMAND_INTX_DISABLE);
        map.watch(0x04, 2, 0xffff & ~0x0407, Effects.COMMAND_OTHER);
        int capList = capPointer != 0 ? 0x0010 : 0;
        map.declare(h, "StatusErrors", 0x06, 2, BitKind.RW1C, statusW1c, 0);
        map.declare(h, "StatusConst", 0x06, 2, BitKind.CONST, 0x06f0 | (0xf900 & ~statusW1c), statusConst | capList);
        map.declare(h, "InterruptStatus", 0x06, 2, BitKind.RO, 0x0008, 0);
        map.declare(h, "StatusReserved", 0x06, 2, BitKind.RSVDZ, 0x0007, 0);
        map.watch(0x06, 2, 0xffff, Effects.STATUS_CLEARED);
        map.declare(h, "RevisionID", 0x08, 1, BitKind.CONST, revision);
        map.declare(h, "ClassCode", 0x08, 4, BitKind.CONST, 0xffffff00, classCode << 8);
        map.declare(h, "CacheLineSize", 0x0c, 1, cacheLineWritable ? BitKind.RW : BitKind.CONST, cacheLineSize);
        map.declare(h, "LatencyTimer", 0x0d, 1, BitKind.CONST, 0);
        map.declare(h, "HeaderType", 0x0e, 1, BitKind.CONST, headerType | (multifunction ? 0x80 : 0));
        map.declare(h, "BIST", 0x0f, 1, BitKind.CONST, 0);
        for (int i = 0; i < bars.length; i++) {
            int off = 0x10 + 4 * i;
            Bar b = bars[i];
            if (b == null) {
                if (i == 0 || bars[i - 1] == null || bars[i - 1].slots() != 2) {
                    map.declare(h, "BAR" + i, off, 4, BitKind.CONST, 0);
                }
                continue;
            }
            map.declare(h, "BAR" + i + "Address", off, 4, BitKind.RW, b.lowWriteMask(), 0);
            map.declare(h, "BAR" + i + "Type", off, 4, BitKind.CONST, ~b.lowWriteMask(), b.typeBits());
            map.watch(off, 4, -1, Effects.bar(i));
            if (b.slots() == 2) {
                map.declare(h, "BAR" + i + "High", off + 4, 4, BitKind.RW, b.highWriteMask(), 0);
                if (b.highWriteMask() != -1) map.declare(h, "BAR" + i + "HighZero", off + 4, 4, BitKind.CONST, ~b.highWriteMask(), 0);
                map.watch(off + 4, 4, -1, Effects.bar(i));
            }
        }
        int rom = headerType == 1 ? 0x38 : 0x30;
        if (romSize > 0) {
            int addr = (int) ~(romSize - 1) & 0xfffff800;
            map.declare(h, "ROMAddress", rom, 4, BitKind.RW, addr, 0);
            map.declare(h, "ROMEnable", rom, 4, BitKind.RW, 0x1, 0);
            map.declare(h, "ROMReserved", rom, 4, BitKind.CONST, ~(addr | 1), 0);
            map.watch(rom, 4, -1, Effects.ROM);
        } else {
            map.declare(h, "ROM", rom, 4, BitKind.CONST, 0);
        }
        map.declare(h, "CapabilitiesPointer", 0x34, 1, BitKind.CONST, capPointer);
        map.declare(h, "InterruptLine", 0x3c, 1, BitKind.RW, 0);
        map.declare(h, "InterruptPin", 0x3d, 1, BitKind.CONST, interruptPin);
    }

    private void declareType0(RegisterMap map) {
        String h = "header";
        map.declare(h, "CardbusCIS", 0x28, 4, BitKind.CONST, 0);
        map.declare(h, "SubsystemVendorID", 0x2c, 2, BitKind.CONST, subsystemVendor);
        map.declare(h, "SubsystemID", 0x2e, 2, BitKind.CONST, subsystem);
        map.declare(h, "Reserved35", 0x35, 1, BitKind.RSVDP, 0);
        map.declare(h, "Reserved36", 0x36, 2, BitKind.RSVDP, 0);
        map.declare(h, "Reserved38", 0x38, 4, BitKind.RSVDP, 0);
        map.declare(h, "MinGnt", 0x3e, 1, BitKind.CONST, 0);
        map.declare(h, "MaxLat", 0x3f, 1, BitKind.CONST, 0);
    }

    /** Type 1 (PCI-to-PCI bridge) header, writable bits as QEMU's pci_init_wmask_bridge. */
    private void declareType1(RegisterMap map) {
        String h = "bridge";
        map.declare(h, "PrimaryBus", 0x18, 1, BitKind.RW, 0);
        map.declare(h, "SecondaryBus", 0x19, 1, BitKind.RW, 0);
        map.declare(h, "SubordinateBus", 0x1a, 1, BitKind.RW, 0);
        map.watch(0x18, 4, 0x00ffffff, Effects.BRIDGE_BUS);
        map.declare(h, "SecondaryLatency", 0x1b, 1, BitKind.RW, 0);
        map.declare(h, "IOBase", 0x1c, 1, BitKind.RW, 0xf0, 0);
        map.declare(h, "IOBaseType", 0x1c, 1, BitKind.CONST, 0x0f, 0x01);
        map.declare(h, "IOLimit", 0x1d, 1, BitKind.RW, 0xf0, 0);
        map.declare(h, "IOLimitType", 0x1d, 1, BitKind.CONST, 0x0f, 0x01);
        map.watch(0x1c, 2, 0xffff, Effects.BRIDGE_WINDOW);
        map.declare(h, "SecondaryStatusErrors", 0x1e, 2, BitKind.RW1C, 0xf900, 0);
        map.declare(h, "SecondaryStatus", 0x1e, 2, BitKind.CONST, 0x06ff, 0);
        map.declare(h, "MemoryBase", 0x20, 2, BitKind.RW, 0xfff0, 0);
        map.declare(h, "MemoryBaseZero", 0x20, 2, BitKind.CONST, 0x000f, 0);
        map.declare(h, "MemoryLimit", 0x22, 2, BitKind.RW, 0xfff0, 0);
        map.declare(h, "MemoryLimitZero", 0x22, 2, BitKind.CONST, 0x000f, 0);
        map.declare(h, "PrefetchableBase", 0x24, 2, BitKind.RW, 0xfff0, 0);
        map.declare(h, "PrefetchableBaseType", 0x24, 2, BitKind.CONST, 0x000f, 0x1);
        map.declare(h, "PrefetchableLimit", 0x26, 2, BitKind.RW, 0xfff0, 0);
        map.declare(h, "PrefetchableLimitType", 0x26, 2, BitKind.CONST, 0x000f, 0x1);
        map.declare(h, "PrefetchableBaseUpper", 0x28, 4, BitKind.RW, 0);
        map.declare(h, "PrefetchableLimitUpper", 0x2c, 4, BitKind.RW, 0);
        map.declare(h, "IOBaseUpper", 0x30, 2, BitKind.RW, 0);
        map.declare(h, "IOLimitUpper", 0x32, 2, BitKind.RW, 0);
        for (int off = 0x20; off <= 0x30; off += 4) map.watch(off, 4, -1, Effects.BRIDGE_WINDOW);
        map.declare(h, "Reserved35", 0x35, 1, BitKind.RSVDP, 0);
        map.declare(h, "Reserved36", 0x36, 2, BitKind.RSVDP, 0);
        map.declare(h, "BridgeControl", 0x3e, 2, BitKind.RW, 0x0bff, 0);
        map.declare(h, "DiscardTimerStatus", 0x3e, 2, BitKind.RW1C, 0x0400, 0);
        map.declare(h, "BridgeControlReserved", 0x3e, 2, BitKind.RSVDP, 0xf000, 0);
        map.watch(0x3e, 2, 0xffff, Effects.BRIDGE_CONTROL);
    }
}
