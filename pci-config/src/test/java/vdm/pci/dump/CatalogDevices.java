package vdm.pci.dump;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;
import vdm.pci.layout.Layout;

/** Catalog devices for the dump tests, and a firmware-like programming of their BARs, ROM and COMMAND. */
final class CatalogDevices {
    private CatalogDevices() {}

    /** Every catalog device in both modes. */
    static Stream<Arguments> all() {
        List<Arguments> out = new ArrayList<>();
        for (String name : DeviceCatalog.names()) for (Mode mode : Mode.values()) out.add(Arguments.of(name, mode));
        return out.stream();
    }

    /** What {@link #program} did to one BAR: its index, kind, prefetchability and address. */
    record Assigned(int index, Bar bar, long address) {}

    /**
     * Assigns every BAR an address aligned to its size (memory below 4 GiB from 0xc0000000, 64-bit BARs from
     * 0x8_0000_0000, I/O from 0xc000), the ROM an address with the enable bit, interrupt line 11, and sets COMMAND
     * I/O, memory and bus master, as firmware does.
     */
    static List<Assigned> program(ConfigSpace space) {
        Layout layout = space.layout();
        long mem = 0xc0000000L, mem64 = 0x8_0000_0000L, io = 0xc000;
        List<Assigned> out = new ArrayList<>();
        for (int i = 0; i < layout.barCount(); i++) {
            Bar bar = layout.bar(i);
            if (bar == null) continue;
            long address;
            if (bar.kind() == BarKind.IO) {
                address = io = align(io, bar.size());
                io += bar.size();
            } else if (bar.kind() == BarKind.MEM64) {
                address = mem64 = align(mem64, bar.size());
                mem64 += bar.size();
            } else {
                address = mem = align(mem, bar.size());
                mem += bar.size();
            }
            space.write(0x10 + 4 * i, 4, (int) address);
            if (bar.kind() == BarKind.MEM64) space.write(0x14 + 4 * i, 4, (int) (address >>> 32));
            out.add(new Assigned(i, bar, address));
        }
        if (layout.romSize() > 0) space.write(layout.romOffset(), 4, (int) align(mem, layout.romSize()) | 1);
        space.write(0x3c, 1, 11);
        space.write(0x04, 2, 0x0007);
        return out;
    }

    static long romAddress(ConfigSpace space) {
        return space.read(space.layout().romOffset(), 4) & 0xfffff800L;
    }

    private static long align(long at, long size) {
        return (at + size - 1) & -size;
    }
}
