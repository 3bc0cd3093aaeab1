package vdm.host;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;

/**
 * A PCI-to-PCI bridge of the host at run time: its function (type 1 header) and what it routes, read from the bus
 * number and window registers as programmed (PCI-to-PCI Bridge spec 1.2, 3.2.5). After reset the bus numbers are 0
 * and the bridge forwards no configuration request; firmware ({@link Host#enumerate()}) or software programs them.
 */
public final class Bridge {
    private final BridgeDescriptor descriptor;
    private final PhysicalFunction function;
    private final List<PhysicalFunction> secondary = new ArrayList<>();

    Bridge(BridgeDescriptor descriptor, PhysicalFunction function) {
        this.descriptor = descriptor;
        this.function = function;
    }

    void attach(PhysicalFunction below) {
        secondary.add(below);
    }

    public BridgeDescriptor descriptor() {
        return descriptor;
    }

    public PhysicalFunction function() {
        return function;
    }

    public Sbdf sbdf() {
        return function.sbdf();
    }

    /** The functions on its secondary bus (by description), bridges among them. */
    public List<PhysicalFunction> secondaryFunctions() {
        return Collections.unmodifiableList(secondary);
    }

    /** Every function below, at any depth. */
    public List<PhysicalFunction> functionsBelow() {
        List<PhysicalFunction> out = new ArrayList<>();
        for (PhysicalFunction f : secondary) {
            out.add(f);
            if (f.self != null) out.addAll(f.self.functionsBelow());
        }
        return out;
    }

    private ConfigSpace cs() {
        return function.config();
    }

    public int primaryBus() {
        return cs().read(0x18, 1);
    }

    public int secondaryBus() {
        return cs().read(0x19, 1);
    }

    public int subordinateBus() {
        return cs().read(0x1a, 1);
    }

    /** Bridge Control bit 6 set: the secondary bus is held in reset. */
    public boolean inSecondaryReset() {
        return (cs().read(0x3e, 2) & PhysicalFunction.SECONDARY_BUS_RESET) != 0;
    }

    /** True if a configuration request for {@code bus} crosses this bridge now. */
    public boolean routes(int bus) {
        int v = cs().read(0x18, 4);
        int sec = (v >>> 8) & 0xff, sub = (v >>> 16) & 0xff;
        return sec != 0 && bus >= sec && bus <= sub && !inSecondaryReset();
    }

    /** The programmed I/O window (32-bit I/O addressing), empty when closed (base above limit). */
    public Optional<Window> ioWindow() {
        long base = (cs().read(0x1c, 1) & 0xf0L) << 8 | (cs().read(0x30, 2) & 0xffffL) << 16;
        long limit = (cs().read(0x1d, 1) & 0xf0L) << 8 | 0xfff | (cs().read(0x32, 2) & 0xffffL) << 16;
        return base <= limit ? Optional.of(new Window(base, limit)) : Optional.empty();
    }

    /** The programmed non-prefetchable memory window, empty when closed. */
    public Optional<Window> memoryWindow() {
        long base = (cs().read(0x20, 2) & 0xfff0L) << 16;
        long limit = (cs().read(0x22, 2) & 0xfff0L) << 16 | 0xf_ffff;
        return base <= limit ? Optional.of(new Window(base, limit)) : Optional.empty();
    }

    /** The programmed prefetchable window (64-bit), empty when closed. */
    public Optional<Window> prefetchableWindow() {
        long base = (cs().read(0x24, 2) & 0xfff0L) << 16 | (cs().read(0x28, 4) & 0xffff_ffffL) << 32;
        long limit = (cs().read(0x26, 2) & 0xfff0L) << 16 | 0xf_ffff | (cs().read(0x2c, 4) & 0xffff_ffffL) << 32;
        return Long.compareUnsigned(base, limit) <= 0 ? Optional.of(new Window(base, limit)) : Optional.empty();
    }

    /**
     * True if a memory transaction for {@code address .. address + size - 1} on the primary side is forwarded to the
     * secondary bus now: Memory Space Enable set in COMMAND, the secondary bus not held in reset, and the range inside
     * the memory window or the prefetchable window (PCI-to-PCI Bridge spec 1.2, 3.2.5.8-3.2.5.10; either window
     * forwards any memory transaction, whatever the BAR's prefetchability). Reads the registers, allocating nothing:
     * host MMIO decode calls it per access.
     */
    boolean forwardsMemory(long address, int size) {
        if ((cs().read(0x04, 2) & 0x2) == 0 || inSecondaryReset()) return false;
        long last = address + size - 1;
        int mem = cs().read(0x20, 4);
        long base = (mem & 0xfff0L) << 16, limit = (mem >>> 16 & 0xfff0L) << 16 | 0xf_ffff;
        if (base <= limit && address >= base && last <= limit) return true;
        int pref = cs().read(0x24, 4);
        long pbase = (pref & 0xfff0L) << 16, plimit = (pref >>> 16 & 0xfff0L) << 16 | 0xf_ffff;
        if ((pref & 0xf) == 1) { // 64-bit prefetchable window: the upper 32 bits (3.2.5.10)
            pbase |= (cs().read(0x28, 4) & 0xffff_ffffL) << 32;
            plimit |= (cs().read(0x2c, 4) & 0xffff_ffffL) << 32;
        }
        return Long.compareUnsigned(pbase, plimit) <= 0 && Long.compareUnsigned(address, pbase) >= 0
                && Long.compareUnsigned(last, plimit) <= 0;
    }

    /**
     * Programs the bus numbers as firmware does (one dword write at 0x18 through the bus, so the bridge must be
     * reachable): primary, secondary, subordinate.
     * @throws IllegalStateException if the bridge itself is not reachable (nothing is written)
     */
    public void programBusNumbers(int primary, int secondary, int subordinate) {
        if ((primary | secondary | subordinate) >>> 8 != 0) {
            throw new IllegalArgumentException(String.format("%s: bus numbers %x/%x/%x must be 00..ff", sbdf(), primary, secondary, subordinate));
        }
        requireReachable("program its bus numbers");
        int latency = cs().read(0x1b, 1);
        function.write(0x18, 4, primary | secondary << 8 | subordinate << 16 | latency << 24);
    }

    /**
     * A secondary bus reset as Linux's {@code pci_reset_secondary_bus} does it: Bridge Control bit 6 set, then
     * cleared, through the bus. Every function below, at any depth, is reset (a hot reset propagates down).
     * @throws IllegalStateException if the bridge is not reachable (nothing happens)
     */
    public void secondaryBusReset() {
        requireReachable("reset its secondary bus");
        int control = cs().read(0x3e, 2);
        function.write(0x3e, 2, control | PhysicalFunction.SECONDARY_BUS_RESET);
        function.write(0x3e, 2, control & ~PhysicalFunction.SECONDARY_BUS_RESET);
    }

    /** What RST# on the secondary bus does to the functions there and, through their bridges, further down. */
    void resetBelow() {
        for (PhysicalFunction f : secondary) {
            f.resetFunction(ResetKind.SECONDARY_BUS);
            if (f.self != null) f.self.resetBelow();
        }
    }

    private void requireReachable(String what) {
        if (!function.reachable()) {
            throw new IllegalStateException("bridge " + sbdf() + " is not reachable (a bridge above does not route bus "
                    + String.format("%02x", sbdf().bus()) + "), cannot " + what);
        }
    }

    @Override
    public String toString() {
        return String.format("bridge %s (buses %02x..%02x programmed, %02x..%02x described)", sbdf(), secondaryBus(),
                subordinateBus(), descriptor.secondaryBus(), descriptor.subordinateBus());
    }
}
