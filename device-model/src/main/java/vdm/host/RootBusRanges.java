package vdm.host;

/**
 * The address ranges a host bridge forwards to its root bus, as its ACPI {@code _CRS} would give them (Linux reads
 * them in acpi_pci_root_create and allocates root-bus BARs inside them). Host descriptions carry no {@code _CRS}
 * yet, so every host gets a PC's: I/O ports 0xc000..0xffff, 32-bit memory from 0xe0000000 up to just below the
 * lowest IO-APIC above it (0xfec00000 on a PC), 64-bit memory 0x4000000000..0xffffffffff. dom0's allocator and the
 * explorer's BAR moves both use these, so they agree on where a root-bus BAR may go.
 */
public record RootBusRanges(Window io, Window memory, Window memory64) {
    static final long IO_BASE = 0xc000, IO_LIMIT = 0xffff;
    static final long MEMORY_BASE = 0xe000_0000L, MEMORY_TOP = 0xfec0_0000L;
    static final long MEMORY64_BASE = 0x40_0000_0000L, MEMORY64_LIMIT = 0xff_ffff_ffffL;

    /** The PC ranges, the 32-bit one ending below the host's lowest IO-APIC above 0xe0000000. */
    static RootBusRanges of(Madt madt) {
        long top = madt.ioApics().stream().mapToLong(IoApicDescriptor::address).filter(a -> a > MEMORY_BASE)
                .min().orElse(MEMORY_TOP);
        return new RootBusRanges(new Window(IO_BASE, IO_LIMIT), new Window(MEMORY_BASE, Math.min(top, MEMORY_TOP) - 1),
                new Window(MEMORY64_BASE, MEMORY64_LIMIT));
    }
}
