package vdm.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import vdm.pci.Access;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.Effects;
import vdm.pci.engine.FunctionReactions;
import vdm.pci.ResetKind;
import vdm.pci.Sbdf;
import vdm.pci.cap.PciExpress;
import vdm.pci.cap.PowerManagement;
import vdm.pci.layout.Bar;
import vdm.pci.layout.BarKind;
import vdm.pci.layout.Layout;
import vdm.pci.msi.Delivery;
import vdm.pci.msi.MessageSink;
import vdm.pci.msi.MsiMessages;
import vdm.pci.msi.MsixTable;

/**
 * A physical PCI function of the host: where it sits, what it is, and its configuration space (a pci-config
 * compiled engine instance). {@link #read}/{@link #write} are the accesses as they arrive over the bus: all ones and
 * dropped while a bridge on the way does not route the function's bus, and a write carries the function's own
 * reactions (FLR, MSI clamp, D3hot -> D0 reset, a bridge's secondary bus reset). {@link #config()} is the function
 * itself, bypassing routing (what the device model pokes, tests inspect).
 * <p>
 * BAR helpers decode what the registers say now, as QEMU's {@code pci_bar_address} and Xen's vPCI need it.
 */
public final class PhysicalFunction {
    private static final int COMMAND = 0x04;
    private static final int COMMAND_IO = 0x1, COMMAND_MEMORY = 0x2, COMMAND_MASTER = 0x4;
    private static final int BRIDGE_CONTROL = 0x3e;
    /** Bridge Control bit 6 (PCI-to-PCI Bridge spec 1.2, 3.2.5.17): RST# asserted on the secondary bus. */
    static final int SECONDARY_BUS_RESET = 0x40;

    private final Sbdf sbdf;
    private final FunctionSource source;
    private final ConfigSpace config;
    private final Layout layout;
    private final Bridge upstream;
    private final int pmcsr;
    private final int pcie;
    /** The BARs' device side: MSI-X table, PBA, registers. */
    private final DeviceMemory memory;
    /** Message Control's dword in config space, -1 without MSI-X. */
    private final int msixControlDword;
    private FirmwareLeftovers leftovers = FirmwareLeftovers.NONE; // what firmware left, whether resets keep MASKALL
    Host host;   // set by Host when it places the function
    /** The function's messages, to whatever the host's MSI target is at the time: one object, made once. */
    private final MessageSink sink = (address, data) -> host.msiTarget().message(this, address, data);
    Bridge self; // set by Host when this function is a bridge

    PhysicalFunction(Sbdf sbdf, FunctionSource source, ConfigSpace config, Bridge upstream) {
        this.sbdf = sbdf;
        this.source = source;
        this.config = config;
        this.layout = config.layout();
        this.upstream = upstream;
        Layout.PlacedCapability pm = layout.capability(PowerManagement.ID, false);
        this.pmcsr = pm == null ? -1 : pm.offset() + PowerManagement.PMCSR;
        Layout.PlacedCapability exp = layout.capability(PciExpress.ID, false);
        this.pcie = exp == null ? -1 : exp.offset();
        this.memory = new DeviceMemory(config);
        this.msixControlDword = memory.msix() == null ? -1 : memory.msix().controlOffset() >>> 2;
    }

    public Sbdf sbdf() {
        return sbdf;
    }

    /** {@link Sbdf#packed()}: segment << 16 | bus << 8 | devfn. */
    public int packed() {
        return sbdf.packed();
    }

    public FunctionSource source() {
        return source;
    }

    public Layout layout() {
        return layout;
    }

    /** The function's own configuration space, without bus routing or reactions. */
    public ConfigSpace config() {
        return config;
    }

    /** The bridge whose secondary bus this function is on; empty on a root bus. */
    public Optional<Bridge> upstream() {
        return Optional.ofNullable(upstream);
    }

    Bridge upstreamOrNull() {
        return upstream;
    }

    /** This function as a bridge, if it is one. */
    public Optional<Bridge> asBridge() {
        return Optional.ofNullable(self);
    }

    /** The Interrupt Pin register: 0 = none, 1..4 = INTA..INTD. */
    public int interruptPin() {
        return config.read(0x3d, 1);
    }

    public Optional<IntxPin> intxPin() {
        int pin = interruptPin();
        return pin == 0 ? Optional.empty() : Optional.of(IntxPin.ofRegister(pin));
    }

    public int command() {
        return config.read(COMMAND, 2);
    }

    /**
     * True while configuration requests reach the function: on a root bus always; behind bridges only if the
     * bridge it is directly below has it as its secondary bus and every bridge up the chain routes its bus
     * (secondary <= bus <= subordinate) and none holds its secondary bus in reset (PCI-to-PCI Bridge spec 1.2,
     * 3.2.5.3-3.2.5.5 and 3.2.5.17). Functions are not renumbered: a bridge programmed with other bus numbers hides
     * them.
     */
    public boolean reachable() {
        Bridge b = upstream;
        if (b == null) return true;
        int bus = sbdf.bus();
        if (b.secondaryBus() != bus) return false;
        for (; b != null; b = b.function().upstream) {
            if (!b.routes(bus)) return false;
        }
        return true;
    }

    /** A configuration read as the bus answers it: the function's value, or all ones when it is not reachable. */
    public int read(int offset, int size) {
        Access.check(offset, size);
        return reachable() ? config.read(offset, size) : Access.ones(size);
    }

    /**
     * A configuration write over the bus: dropped (returning 0) when not reachable, else written and followed by
     * {@link FunctionReactions#afterWrite} (FLR, MSI clamp), a D3hot -> D0 reset (PCI PM 1.2, 5.4; skipped with
     * No_Soft_Reset) and, on a bridge, a secondary bus reset of everything below when Bridge Control bit 6 goes
     * from 0 to 1. Returns the {@link Effects} of the write.
     */
    public int write(int offset, int size, int value) {
        Access.check(offset, size);
        if (!reachable()) return 0;
        int dword = offset >>> 2;
        int oldPower = pmcsr >= 0 && dword == pmcsr >>> 2 ? config.read(pmcsr, 2) & 3 : -1;
        int oldControl = self != null && dword == BRIDGE_CONTROL >>> 2 ? config.read(BRIDGE_CONTROL, 2) : -1;
        int oldMsix = dword == msixControlDword ? config.read(memory.msix().controlOffset(), 2) : -1;
        boolean keptMaskall = dword == leftovers.flrDword && leftovers.keepsMaskall(config);
        int effects = FunctionReactions.afterWrite(config, config.write(offset, size, value));
        if ((effects & Effects.FLR) != 0) {
            memory.reset(); // FunctionReactions reset the config space
            if (keptMaskall) leftovers.restoreMaskall(config);
        } else if (oldPower == 3 && (effects & Effects.POWER_STATE) != 0 && (config.read(pmcsr, 2) & 3) == 0) {
            resetFunction(ResetKind.D3HOT_TO_D0);
        } else {
            messagesAfterWrite(effects, oldMsix);
        }
        if (oldControl >= 0 && (effects & Effects.BRIDGE_CONTROL) != 0 && (oldControl & SECONDARY_BUS_RESET) == 0
                && (config.read(BRIDGE_CONTROL, 2) & SECONDARY_BUS_RESET) != 0) {
            self.resetBelow();
        }
        if ((effects & MMIO_EFFECTS) != 0 && host != null) host.mmioChanged();
        return effects;
    }

    /** What changes where memory is decoded: a BAR, COMMAND's memory enable, a bridge's windows or bus state, an FLR. */
    private static final int MMIO_EFFECTS = 0x3f | Effects.COMMAND_MEMORY | Effects.BRIDGE_WINDOW | Effects.BRIDGE_CONTROL
            | Effects.BRIDGE_BUS | Effects.FLR | Effects.POWER_STATE;

    /** Messages a config write lets out: MSI-X on a function-mask change, MSI on unmask, either when bus mastering returns. */
    private void messagesAfterWrite(int effects, int oldMsix) {
        MsixTable msix = memory.msix();
        MsiMessages msi = memory.msi();
        if (msix != null && oldMsix >= 0 && (effects & (Effects.MSIX_ENABLE | Effects.MSIX_FUNCTION_MASK)) != 0) {
            msix.controlWritten(oldMsix, sink);
        }
        if (msi != null && (effects & (Effects.MSI_MASK | Effects.MSI_ENABLE | Effects.MSI_MESSAGE)) != 0) msi.deliverUnmasked(sink);
        if ((effects & Effects.COMMAND_MASTER) != 0 && (config.read(COMMAND, 2) & COMMAND_MASTER) != 0) {
            if (msix != null) msix.busMasterEnabled(sink);
            if (msi != null) msi.deliverUnmasked(sink);
        }
    }

    /**
     * Resets the function itself (FLR, D3HOT_TO_D0 - a no-op with No_Soft_Reset - or COLD), as the hardware does once
     * the reset is triggered. A secondary bus reset is the upstream bridge's: see {@link Bridge#secondaryBusReset}.
     */
    public void reset(ResetKind kind) {
        if (kind == null) throw new IllegalArgumentException("reset kind is missing");
        resetFunction(kind);
    }

    /**
     * Every reset of this function goes here: the config space, and the BAR memory back to its reset values (MSI-X
     * table entries masked and zero, PBA clear: QEMU's msix_reset, run from pci_do_device_reset for every reset
     * kind), except a D3hot -> D0 transition with No_Soft_Reset, which keeps the function's state.
     */
    void resetFunction(ResetKind kind) {
        leftovers.reset(config, kind);
        if (kind != ResetKind.D3HOT_TO_D0 || !layout.noSoftReset()) memory.reset();
        if (host != null) host.mmioChanged();
    }

    /** What firmware left in the function at hand-over, applied once by the host when it places it. */
    void applyFirmware(Firmware fw) { leftovers = FirmwareLeftovers.apply(fw, config, layout, memory.msix() == null ? -1 : memory.msix().controlOffset(), pcie); }

    /** PCIe Device Capabilities bit 28, Function Level Reset Capability (PCIe base 6.0, 7.5.3.3). */
    public boolean flrCapable() {
        return pcie >= 0 && (config.read(pcie + 4, 4) & (1 << 28)) != 0;
    }

    /** True for a PCI Express function (it has a PCIe capability). */
    public boolean express() {
        return pcie >= 0;
    }

    // ---------------------------------------------------------------- BARs

    /** BAR n's declaration, or null if not implemented (or the upper half of a 64-bit BAR). */
    public Bar barDeclaration(int n) {
        checkIndex(n);
        return layout.bar(n);
    }

    public boolean barImplemented(int n) {
        return barDeclaration(n) != null;
    }

    /** BAR n's size in bytes; 0 if not implemented. */
    public long barSize(int n) {
        Bar b = barDeclaration(n);
        return b == null ? 0 : b.size();
    }

    /** BAR n's kind; null if not implemented. */
    public BarKind barKind(int n) {
        Bar b = barDeclaration(n);
        return b == null ? null : b.kind();
    }

    public boolean barPrefetchable(int n) {
        Bar b = barDeclaration(n);
        return b != null && b.prefetchable();
    }

    /** The address BAR n holds now (both dwords of a 64-bit BAR, type bits masked); 0 if not implemented. */
    public long barAddress(int n) {
        Bar b = barDeclaration(n);
        if (b == null) return 0;
        int off = 0x10 + 4 * n;
        long low = config.read(off, 4) & 0xffff_ffffL;
        long address = low & (b.kind() == BarKind.IO ? ~0x3L : ~0xfL) & 0xffff_ffffL;
        if (b.kind() == BarKind.MEM64) address |= (config.read(off + 4, 4) & 0xffff_ffffL) << 32;
        return address;
    }

    /**
     * True if BAR n decodes now (PCI 3.0 section 6.2.5; QEMU {@code pci_bar_address}): implemented, its COMMAND space bit (I/O or
     * memory) set, address non-zero, the range not wrapping, and a 32-bit or I/O BAR ending below 4 GiB. (With
     * size-aligned address bits the last two hold by construction; they are checked so the rule is in one place.
     * Unlike QEMU, a BAR ending at 2^64 - 1 decodes: QEMU refuses it only because ~0 is its "unmapped" marker.)
     */
    public boolean barDecodes(int n) {
        Bar b = barDeclaration(n);
        if (b == null) return false;
        int enable = b.kind() == BarKind.IO ? COMMAND_IO : COMMAND_MEMORY;
        if ((command() & enable) == 0) return false;
        return fits(barAddress(n), b.size(), b.kind() == BarKind.MEM64);
    }

    /** Expansion ROM size (0: none). */
    public long romSize() {
        return layout.romSize();
    }

    /** The ROM's address bits (31:11), 0 without a ROM. */
    public long romAddress() {
        if (layout.romSize() == 0) return 0;
        return config.read(layout.romOffset(), 4) & 0xffff_f800L;
    }

    /** The ROM register's enable bit 0. */
    public boolean romEnabled() {
        return layout.romSize() != 0 && (config.read(layout.romOffset(), 4) & 1) != 0;
    }

    /** True if the ROM decodes: memory space enabled, ROM enable bit set, address non-zero, below 4 GiB. */
    public boolean romDecodes() {
        return romEnabled() && (command() & COMMAND_MEMORY) != 0 && fits(romAddress(), romSize(), false);
    }

    private static boolean fits(long address, long size, boolean is64) {
        if (address == 0) return false;
        long last = address + size - 1;
        if (Long.compareUnsigned(last, address) < 0) return false; // wraps around 2^64
        return is64 || last <= 0xffff_ffffL;
    }

    /** BAR n (or {@link BarRegion#ROM}) as it stands; empty if not implemented. */
    public Optional<BarRegion> region(int n) {
        if (n == BarRegion.ROM) {
            if (romSize() == 0) return Optional.empty();
            return Optional.of(new BarRegion(n, BarKind.MEM32, false, romAddress(), romSize(), romDecodes()));
        }
        Bar b = barDeclaration(n);
        if (b == null) return Optional.empty();
        return Optional.of(new BarRegion(n, b.kind(), b.prefetchable(), barAddress(n), b.size(), barDecodes(n)));
    }

    /** Every implemented BAR, then the ROM, as they stand. */
    public List<BarRegion> regions() {
        List<BarRegion> out = new ArrayList<>();
        for (int n = 0; n < layout.barCount(); n++) region(n).ifPresent(out::add);
        region(BarRegion.ROM).ifPresent(out::add);
        return out;
    }

    // ---------------------------------------------------------------- BAR memory and MSI/MSI-X

    /**
     * The device's side of BAR {@code bar}'s memory at {@code offset} (decoded or not): the MSI-X table and PBA where
     * the capability puts them ({@link MsixTable}: aligned DWORD or QWORD, others read 0), the device's other
     * registers elsewhere (plain storage). {@code size} is 1, 2, 4 or 8.
     * @throws IllegalArgumentException no such memory BAR, an offset outside it, or a bad size (naming them)
     */
    public long memRead(int bar, long offset, int size) {
        checkMemory(bar, offset, size);
        return memory.read(bar, offset, size);
    }

    /** A write to the device's side of BAR {@code bar}'s memory; an MSI-X entry unmasked with its pending bit set is sent. */
    public void memWrite(int bar, long offset, int size, long value) {
        checkMemory(bar, offset, size);
        memory.write(bar, offset, size, value, sink);
    }

    private void checkMemory(int bar, long offset, int size) {
        if (bar < 0 || bar >= layout.barCount() || layout.bar(bar) == null) {
            throw new IllegalArgumentException(String.format("%s: BAR%d at offset 0x%x size %d: the function has no BAR%d "
                    + "(implemented: %s)", sbdf, bar, offset, size, bar, implementedBars()));
        }
        Bar b = layout.bar(bar);
        if (b.kind() == BarKind.IO) {
            throw new IllegalArgumentException(String.format("%s: BAR%d at offset 0x%x size %d: BAR%d is an I/O BAR, not memory",
                    sbdf, bar, offset, size, bar));
        }
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException(String.format("%s: BAR%d at offset 0x%x: size %d is not 1, 2, 4 or 8",
                    sbdf, bar, offset, size));
        }
        if (offset < 0 || offset > b.size() - size) {
            throw new IllegalArgumentException(String.format("%s: BAR%d at offset 0x%x size %d: outside the BAR (0x%x bytes)",
                    sbdf, bar, offset, size, b.size()));
        }
    }

    private String implementedBars() {
        StringBuilder out = new StringBuilder();
        for (int n = 0; n < layout.barCount(); n++) {
            if (layout.bar(n) != null) out.append(out.isEmpty() ? "" : ", ").append("BAR").append(n);
        }
        return out.isEmpty() ? "none" : out.toString();
    }

    /**
     * The function raises MSI vector {@code vector} (0 .. enabled vectors - 1), as the MSI capability describes it
     * ({@link MsiMessages}): SENT, PENDING (masked per vector) or DISABLED (MSI off or Bus Master clear).
     * @throws IllegalArgumentException no MSI capability, or a vector the function does not have or software did not enable
     */
    public MsiOutcome fireMsi(int vector) {
        MsiMessages msi = memory.msi();
        if (msi == null) throw new IllegalArgumentException(sbdf + ": MSI vector " + vector + ": the function has no MSI capability");
        if (vector < 0 || vector >= msi.capable()) {
            throw new IllegalArgumentException(sbdf + ": MSI vector " + vector + ": the function has " + msi.capable()
                    + " MSI vector" + (msi.capable() == 1 ? "" : "s") + " (0.." + (msi.capable() - 1) + ")");
        }
        try {
            return outcome(msi.fire(vector, sink));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(sbdf + ": " + e.getMessage());
        }
    }

    /** The function raises MSI-X entry {@code entry} (0 .. table size - 1), as its table entry describes it. */
    public MsiOutcome fireMsix(int entry) {
        MsixTable msix = memory.msix();
        if (msix == null) throw new IllegalArgumentException(sbdf + ": MSI-X entry " + entry + ": the function has no MSI-X capability");
        if (entry < 0 || entry >= msix.size()) {
            throw new IllegalArgumentException(sbdf + ": MSI-X entry " + entry + ": the table has " + msix.size()
                    + " entr" + (msix.size() == 1 ? "y" : "ies") + " (0.." + (msix.size() - 1) + ")");
        }
        return outcome(msix.fire(entry, sink));
    }

    private static MsiOutcome outcome(Delivery d) {
        return switch (d) {
            case SENT -> MsiOutcome.SENT;
            case PENDING -> MsiOutcome.PENDING;
            case DISABLED -> MsiOutcome.DISABLED;
        };
    }

    /** The device side of MSI-X (table, PBA, masks) for inspection; empty without the capability. */
    public Optional<MsixTable> msixTable() {
        return Optional.ofNullable(memory.msix());
    }

    /** MSI as the function sends it, for inspection; empty without the capability. */
    public Optional<MsiMessages> msi() {
        return Optional.ofNullable(memory.msi());
    }

    /** The BAR memory's state (MSI-X table, PBA, registers written) for a snapshot. */
    public DeviceMemoryState captureMemory() {
        return memory.capture();
    }

    /** Refuses a memory state that does not fit this function, naming why; changes nothing. */
    public void checkMemory(DeviceMemoryState state) {
        if (state == null) throw new IllegalArgumentException(sbdf + ": BAR memory state is missing");
        memory.check(state, sbdf);
    }

    /** Puts a captured memory state back ({@link #checkMemory} first). */
    public void restoreMemory(DeviceMemoryState state) {
        checkMemory(state);
        memory.restore(state);
    }

    private void checkIndex(int n) {
        if (n < 0 || n >= layout.barCount()) {
            throw new IllegalArgumentException(String.format("%s: BAR%d does not exist in a type %d header (BAR0..BAR%d)",
                    sbdf, n, layout.headerType(), layout.barCount() - 1));
        }
    }

    @Override
    public String toString() {
        return sbdf + " " + source.label();
    }
}
