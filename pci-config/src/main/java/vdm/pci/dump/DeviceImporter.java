package vdm.pci.dump;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.Mode;
import vdm.pci.cap.PciExpress;
import vdm.pci.engine.Engine;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.Field;
import vdm.pci.layout.Layout;
import vdm.pci.layout.LayoutBuilder;
import vdm.pci.layout.LayoutException;

/**
 * Rebuilds a device from a configuration space dump. The dump gives identity, header type, BAR kinds (from their
 * low bits) and capabilities (walked from 0x34 and 0x100); what it cannot give, the caller does: BAR and ROM sizes
 * (a dump holds addresses, not sizes; {@link SysfsFiles#resourceSizes} reads them for a real device).
 * <pre>{@code
 * ImportedDevice nic = new DeviceImporter("nic").bar(0, 128 << 10).bar(1, 64).rom(256 << 10).from(bytes);
 * ConfigSpace space = nic.create(Engine.COMPILED);   // reads back the dump's bytes
 * }</pre>
 * Errors (an implemented BAR without a size, a size for a BAR that is not there, a looping capability list...) name
 * the BAR or offset at fault.
 */
public final class DeviceImporter {
    private final String name;
    private Mode mode = Mode.HARDWARE;
    private final TreeMap<Integer, Long> barSizes = new TreeMap<>();
    private long romSize;

    public DeviceImporter(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("imported device name is missing");
        this.name = name;
    }

    public DeviceImporter mode(Mode mode) {
        if (mode == null) throw new IllegalArgumentException("mode is missing");
        this.mode = mode;
        return this;
    }

    /** The size of BAR {@code index} (for a 64-bit BAR, give it under the lower index). */
    public DeviceImporter bar(int index, long size) {
        if (index < 0 || index > 5) throw new LayoutException("BAR" + index + " does not exist (BAR0..BAR5)");
        if (size <= 0) throw new LayoutException("BAR" + index + ": size " + size + " must be positive");
        barSizes.put(index, size);
        return this;
    }

    public DeviceImporter rom(long size) {
        if (size <= 0) throw new LayoutException("ROM size " + size + " must be positive");
        this.romSize = size;
        return this;
    }

    /** BAR0..BAR5 and ROM sizes as {@link SysfsFiles#resourceSizes} gives them; 0 means not implemented. */
    public DeviceImporter sizes(long[] sizes) {
        if (sizes.length != 7) throw new IllegalArgumentException("expected 7 sizes (BAR0..BAR5, ROM), got " + sizes.length);
        for (int i = 0; i < 6; i++) if (sizes[i] > 0) bar(i, sizes[i]);
        if (sizes[6] > 0) rom(sizes[6]);
        return this;
    }

    /** Sizes from a sysfs {@code resource} file. */
    public DeviceImporter sizesFromSysfs(Path resourceFile) {
        return sizes(SysfsFiles.resourceSizes(resourceFile));
    }

    public ImportedDevice from(DumpedFunction function) {
        return from(function.bytes());
    }

    /** Imports a 64-, 256- or 4096-byte configuration space. */
    public ImportedDevice from(byte[] config) {
        if (!LspciDump.LENGTHS.contains(config.length)) {
            throw new DumpFormatException("a configuration space dump has 64, 256 or 4096 bytes, not " + config.length);
        }
        byte[] cfg = config.clone();
        List<CapabilityChain.Found> caps = CapabilityChain.walk(cfg);
        PciExpress.PortType portType = null;
        for (CapabilityChain.Found f : caps) {
            if (!f.extended() && f.id() == PciExpress.ID) portType = CapabilityDecoder.portType(LspciDump.u16(cfg, f.offset() + 2));
        }
        // Build with the modelled capabilities; any that does not read back its dumped bytes is kept as bytes.
        Map<Integer, String> asBytes = new HashMap<>(); // offset -> the modelled capability that did not fit
        while (true) {
            List<Capability> declared = new ArrayList<>();
            List<Boolean> typed = new ArrayList<>();
            for (CapabilityChain.Found f : caps) {
                Capability c = asBytes.containsKey(f.offset()) ? null : CapabilityDecoder.typed(cfg, f, portType);
                typed.add(c != null);
                declared.add(c != null ? c : CapabilityDecoder.generic(cfg, f));
            }
            Layout layout = header(cfg, caps).capabilities(declared.toArray(Capability[]::new)).build();
            ConfigSpace space = Engine.REFERENCE.create(layout);
            ImportedDevice candidate = new ImportedDevice(layout, cfg, List.of(), List.of());
            candidate.load(space);
            byte[] got = space.bytes();
            boolean retry = false;
            for (int i = 0; i < caps.size(); i++) {
                if (!typed.get(i)) continue;
                int from = caps.get(i).offset(), to = Math.min(from + declared.get(i).length(), cfg.length);
                for (int b = from; b < to; b++) {
                    if (got[b] != cfg[b]) {
                        asBytes.put(from, declared.get(i).label(from));
                        retry = true;
                        break;
                    }
                }
            }
            if (retry) continue;
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < caps.size(); i++) {
                if (typed.get(i)) continue;
                int offset = caps.get(i).offset();
                kept.add(asBytes.containsKey(offset) ? asBytes.get(offset) + " (its model cannot reproduce the dumped bytes)"
                        : declared.get(i).label(offset));
            }
            return new ImportedDevice(layout, cfg, mismatches(layout, cfg, got), kept);
        }
    }

    private LayoutBuilder header(byte[] cfg, List<CapabilityChain.Found> caps) {
        int headerType = cfg[0x0e] & 0x7f;
        if (headerType != 0 && headerType != 1) {
            throw new DumpFormatException(String.format("header type %d at 0x0e is neither 0 (endpoint) nor 1 (bridge); "
                    + "vdm does not model it", headerType));
        }
        int vendor = LspciDump.u16(cfg, 0);
        if (vendor == 0xffff) throw new DumpFormatException("vendor ID 0xffff at 0x00: the dump is of an absent function");
        LayoutBuilder b = headerType == 0 ? Layout.type0(name) : Layout.type1(name);
        int command = LspciDump.u16(cfg, 0x04);
        b.mode(mode).ids(vendor, LspciDump.u16(cfg, 2)).revision(cfg[8] & 0xff)
                .classCode(CapabilityChain.dword(cfg, 8) >>> 8).multifunction((cfg[0x0e] & 0x80) != 0)
                // A set COMMAND bit is one software could write, so it is writable here even if not by default.
                .commandWritable(LayoutBuilder.COMMAND_WRITABLE_DEFAULT | (command & 0x07ff))
                .statusConst(LspciDump.u16(cfg, 0x06) & 0x06e0);
        if (headerType == 0) b.subsystem(LspciDump.u16(cfg, 0x2c), LspciDump.u16(cfg, 0x2e));
        int pin = cfg[0x3d] & 0xff;
        if (pin > 4) throw new DumpFormatException(String.format("interrupt pin %d at 0x3d must be 0 (none) or 1..4 (INTA..INTD)", pin));
        b.interruptPin(pin);
        bars(cfg, b, headerType == 1 ? 2 : 6);
        rom(cfg, b, headerType == 1 ? 0x38 : 0x30);
        boolean pcie = caps.stream().anyMatch(f -> !f.extended() && f.id() == PciExpress.ID);
        return b.express(cfg.length == 4096 || pcie);
    }

    private void bars(byte[] cfg, LayoutBuilder b, int count) {
        if (!barSizes.isEmpty() && barSizes.lastKey() >= count) {
            throw new LayoutException(String.format("BAR%d was given a size, but a type %d header has only BAR0..BAR%d",
                    barSizes.lastKey(), count == 2 ? 1 : 0, count - 1));
        }
        for (int i = 0; i < count; i++) {
            int off = 0x10 + 4 * i;
            int v = CapabilityChain.dword(cfg, off);
            Long size = barSizes.get(i);
            BarKind kind = (v & 1) != 0 ? BarKind.IO : switch ((v >>> 1) & 3) {
                case 0 -> BarKind.MEM32;
                case 2 -> BarKind.MEM64;
                default -> throw new DumpFormatException(String.format("BAR%d at 0x%02x holds 0x%08x, whose memory type %d "
                        + "is reserved", i, off, v, (v >>> 1) & 3));
            };
            if (size == null) {
                if (v != 0) {
                    throw new LayoutException(String.format("BAR%d at 0x%02x holds 0x%08x (%s): it is implemented, but no "
                            + "size was given for it", i, off, v, kind.name().toLowerCase()));
                }
                continue;
            }
            long address = v & (kind == BarKind.IO ? ~0x3L & 0xffffffffL : ~0xfL & 0xffffffffL);
            if (kind == BarKind.MEM64) {
                if (i + 1 >= count) throw new LayoutException(String.format("BAR%d at 0x%02x is 64-bit but is the last BAR", i, off));
                if (barSizes.containsKey(i + 1)) {
                    throw new LayoutException(String.format("BAR%d is the upper half of 64-bit BAR%d; give the size under BAR%d only", i + 1, i, i));
                }
                address |= (CapabilityChain.dword(cfg, off + 4) & 0xffffffffL) << 32;
            }
            Bar bar;
            try {
                bar = new Bar(kind, size, kind != BarKind.IO && (v & 0x8) != 0);
            } catch (LayoutException e) {
                throw new LayoutException("BAR" + i + ": " + e.getMessage());
            }
            if ((address & (size - 1)) != 0) {
                throw new LayoutException(String.format("BAR%d address 0x%x is not aligned to its size 0x%x", i, address, size));
            }
            b.bar(i, bar);
            if (kind == BarKind.MEM64) i++;
        }
    }

    private void rom(byte[] cfg, LayoutBuilder b, int off) {
        int v = CapabilityChain.dword(cfg, off);
        if (romSize == 0) {
            if (v != 0) {
                throw new LayoutException(String.format("ROM at 0x%02x holds 0x%08x: it is implemented, but no ROM size was given", off, v));
            }
            return;
        }
        try {
            b.rom(romSize);
        } catch (LayoutException e) {
            throw new LayoutException("ROM: " + e.getMessage());
        }
        long address = v & 0xfffff800L;
        if ((address & (romSize - 1)) != 0) {
            throw new LayoutException(String.format("ROM address 0x%x is not aligned to its size 0x%x", address, romSize));
        }
    }

    private static List<Mismatch> mismatches(Layout layout, byte[] cfg, byte[] got) {
        List<Mismatch> out = new ArrayList<>();
        for (int b = 0; b < cfg.length; b++) {
            if (got[b] == cfg[b]) continue;
            out.add(new Mismatch(b, owner(layout, b, (got[b] ^ cfg[b]) & 0xff), cfg[b] & 0xff, got[b] & 0xff));
        }
        return out;
    }

    /** The field owning the differing bits of byte {@code b}, e.g. "header.LatencyTimer", or "unclaimed". */
    private static String owner(Layout layout, int b, int bits) {
        for (Field f : layout.fields()) {
            if (b < f.offset() || b >= f.offset() + f.width()) continue;
            if (((f.mask() >>> (8 * (b - f.offset()))) & bits) != 0) return f.owner() + "." + f.name();
        }
        return "unclaimed";
    }
}
