package vdm.toolstack;

/**
 * QEMU's emulated MSI of one passed-through device (XenPTMSI and its registers' emulated values): the flags
 * (the device's Message Control at realize, the guest's emulated bits, enable), the emulated Message Control, the
 * guest's address and data, the pirq (-1: none) and whether it was set up and bound.
 */
public record GuestMsiState(int flags, int ctrl, int addrLo, int addrHi, int data, int pirq, boolean initialized, boolean mapped) {}
