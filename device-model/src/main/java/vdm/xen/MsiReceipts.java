package vdm.xen;

/**
 * What a domain's local APICs received by MSI (issue 13: to be built): per vector, how many interrupts arrived and
 * the destination (APIC id) of the last one, as vmsi_deliver hands them to the vLAPIC. Counting is lock-free and
 * allocates nothing.
 */
public final class MsiReceipts {
    /** Interrupts received on {@code vector} (0..255). */
    public long count(int vector) {
        throw new UnsupportedOperationException("MSI receipts are not modelled yet");
    }

    /** The destination APIC id of the last interrupt on {@code vector}, -1 if none arrived. */
    public int destination(int vector) {
        throw new UnsupportedOperationException("MSI receipts are not modelled yet");
    }

    /** Interrupts received on every vector. */
    public long total() {
        throw new UnsupportedOperationException("MSI receipts are not modelled yet");
    }
}
