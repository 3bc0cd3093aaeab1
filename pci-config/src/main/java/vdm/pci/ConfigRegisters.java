package vdm.pci;

/**
 * Offsets and bits of the standard configuration header (PCI Local Bus Specification 3.0, section 6.2; the same
 * names, without the {@code PCI_} prefix, as Linux's {@code include/uapi/linux/pci_regs.h}), so that code reading a
 * register says which one: {@code cfgRead(s, COMMAND, 2)} rather than {@code cfgRead(s, 0x04, 2)}.
 */
public final class ConfigRegisters {
    private ConfigRegisters() {}

    /** The standard header is 64 bytes (16 dwords) for both header types (Linux {@code PCI_STD_HEADER_SIZEOF}). */
    public static final int STD_HEADER_SIZE = 0x40;
    /** A type 0 header has six BAR registers, a type 1 (bridge) header two (Linux {@code PCI_STD_NUM_BARS}). */
    public static final int STD_NUM_BARS = 6;

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;

    public static final int COMMAND = 0x04;
    /** Enable response in I/O space. */
    public static final int COMMAND_IO = 0x1;
    /** Enable response in memory space. */
    public static final int COMMAND_MEMORY = 0x2;
    /** Enable bus mastering (the function may issue DMA and MSI writes). */
    public static final int COMMAND_MASTER = 0x4;
    /** INTx emulation disable. */
    public static final int COMMAND_INTX_DISABLE = 0x400;
    /** Both decode enables: what must be off while a BAR moves (Linux {@code PCI_COMMAND_DECODE_ENABLE}, linux/pci.h). */
    public static final int COMMAND_DECODE_ENABLE = COMMAND_MEMORY | COMMAND_IO;

    public static final int STATUS = 0x06;
    /** The dword of the revision ID (byte 0x08) and the class code (bytes 0x09..0x0b: class, subclass, prog-if). */
    public static final int CLASS_REVISION = 0x08;
    public static final int HEADER_TYPE = 0x0e;

    /** BAR 0; BAR n is at {@link #bar(int)}. */
    public static final int BAR0 = 0x10;
    /** BAR low bits: an I/O BAR (else memory). */
    public static final int BASE_ADDRESS_SPACE_IO = 0x01;
    /** BAR low bits: a 64-bit memory BAR (type 10b), whose upper dword is the next register. */
    public static final int BASE_ADDRESS_MEM_TYPE_64 = 0x04;
    /** BAR low bits: prefetchable memory. */
    public static final int BASE_ADDRESS_MEM_PREFETCH = 0x08;

    /** Expansion ROM base address of a type 0 header. */
    public static final int ROM = 0x30;
    /** Expansion ROM base address of a type 1 (bridge) header, which has no room for it at 0x30. */
    public static final int ROM_BRIDGE = 0x38;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3c;
    /** 0 for none, 1..4 for INTA#..INTD#. */
    public static final int INTERRUPT_PIN = 0x3d;

    /**
     * The register of BAR n (0..5); the upper dword of a 64-bit BAR n is the next register, {@code bar(n) + 4}.
     * @throws IllegalArgumentException n outside 0..5
     */
    public static int bar(int n) {
        if (n < 0 || n >= STD_NUM_BARS) throw new IllegalArgumentException("BAR" + n + ": a header has BARs 0..5");
        return BAR0 + 4 * n;
    }
}
