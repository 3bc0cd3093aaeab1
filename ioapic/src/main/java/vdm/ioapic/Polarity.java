package vdm.ioapic;

/**
 * Redirection entry bit 13 (Intel 82093AA, 3.2.4). Inputs here are logical (asserted or not), as in QEMU's
 * {@code ioapic_set_irq} and Xen's {@code hvm_gsi_assert}: the polarity is stored and reported, the board wiring has
 * already applied it.
 */
public enum Polarity {
    /** 0: the signal is active high. */
    ACTIVE_HIGH,
    /** 1: the signal is active low (PCI INTx, wired-OR). */
    ACTIVE_LOW;

    static Polarity of(boolean activeLow) {
        return activeLow ? ACTIVE_LOW : ACTIVE_HIGH;
    }
}
