package vdm.pci;

/** How bytes that no register claims behave. */
public enum Mode {
    /** As real hardware: unclaimed bytes are read-only and read 0. */
    HARDWARE,
    /** As QEMU's pci_init_wmask: bytes from 0x40 to the end that no capability claims are writable scratch. */
    QEMU_COMPAT
}
