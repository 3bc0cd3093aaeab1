package vdm.pci;

import java.util.StringJoiner;

/**
 * What a configuration write changed, as bits of an {@code int}: the write returns it and the caller applies it
 * (maps or unmaps BARs, resets the function on FLR, ...). A write that changed nothing returns 0.
 */
public final class Effects {
    private Effects() {}

    /** BAR n's register (either dword of a 64-bit BAR) changed: {@code BAR0 << n}. */
    public static final int BAR0 = 1;
    public static final int ROM = 1 << 6;
    public static final int COMMAND_IO = 1 << 7;
    public static final int COMMAND_MEMORY = 1 << 8;
    public static final int COMMAND_MASTER = 1 << 9;
    public static final int COMMAND_INTX_DISABLE = 1 << 10;
    /** Any other COMMAND bit (SERR#, parity response, ...). */
    public static final int COMMAND_OTHER = 1 << 11;
    /** Some write-1-to-clear STATUS bit was cleared. */
    public static final int STATUS_CLEARED = 1 << 12;
    public static final int MSI_ENABLE = 1 << 13;
    /** MSI address, data or multiple-message-enable changed. */
    public static final int MSI_MESSAGE = 1 << 14;
    public static final int MSI_MASK = 1 << 15;
    public static final int MSIX_ENABLE = 1 << 16;
    public static final int MSIX_FUNCTION_MASK = 1 << 17;
    /** PMCSR power state changed (the caller resets the function on D3hot -> D0 unless No_Soft_Reset). */
    public static final int POWER_STATE = 1 << 18;
    /** Initiate Function Level Reset was written 1 (PCIe Device Control bit 15): the caller performs the FLR. */
    public static final int FLR = 1 << 19;
    /** Type 1: primary, secondary or subordinate bus number changed. */
    public static final int BRIDGE_BUS = 1 << 20;
    /** Type 1: an I/O, memory or prefetchable window changed. */
    public static final int BRIDGE_WINDOW = 1 << 21;
    /** Type 1: Bridge Control changed (secondary bus reset is bit 6). */
    public static final int BRIDGE_CONTROL = 1 << 22;
    /** Any other register changed (scratch, cache line size, interrupt line, capability controls...). */
    public static final int OTHER = 1 << 23;

    private static final String[] NAMES = {"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "COMMAND_IO",
            "COMMAND_MEMORY", "COMMAND_MASTER", "COMMAND_INTX_DISABLE", "COMMAND_OTHER", "STATUS_CLEARED",
            "MSI_ENABLE", "MSI_MESSAGE", "MSI_MASK", "MSIX_ENABLE", "MSIX_FUNCTION_MASK", "POWER_STATE", "FLR",
            "BRIDGE_BUS", "BRIDGE_WINDOW", "BRIDGE_CONTROL", "OTHER"};

    public static int bar(int n) {
        return BAR0 << n;
    }

    /** True if any BAR, the ROM or the decode bits of COMMAND changed: the mapping must be recomputed. */
    public static boolean mappingChanged(int effects) {
        return (effects & (0x3f | ROM | COMMAND_IO | COMMAND_MEMORY)) != 0;
    }

    /** "BAR0|COMMAND_MEMORY", or "none". */
    public static String describe(int effects) {
        if (effects == 0) return "none";
        StringJoiner j = new StringJoiner("|");
        for (int i = 0; i < NAMES.length; i++) {
            if ((effects & (1 << i)) != 0) j.add(NAMES[i]);
        }
        return j.toString();
    }
}
