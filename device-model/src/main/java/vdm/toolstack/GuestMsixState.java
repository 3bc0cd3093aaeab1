package vdm.toolstack;

/**
 * QEMU's emulated MSI-X of one passed-through device (XenPTMSIX): enabled and function-masked as the guest last wrote
 * them, the guest address of the table ({@code mmioBase}) and whether its region is in the guest's memory now, and per
 * entry the four latched dwords ({@code latch}, four per entry), the address and data in effect, the pirq (-1: none)
 * and whether the guest changed the entry since it was last bound.
 */
public record GuestMsixState(boolean enabled, boolean maskall, long mmioBase, boolean inSpace, int[] latch, long[] addr, int[] data,
                             int[] pirq, boolean[] updated) {}
