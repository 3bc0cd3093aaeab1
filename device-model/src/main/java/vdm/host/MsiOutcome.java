package vdm.host;

/** What became of a vector a function raised ({@link PhysicalFunction#fireMsi}, {@link PhysicalFunction#fireMsix}). */
public enum MsiOutcome {
    /** The message was written to the {@link MsiTarget}. */
    SENT,
    /** The vector is masked (per vector, or MSI-X Function Mask): its pending bit is set, sent on unmask. */
    PENDING,
    /** MSI (or MSI-X) is not enabled, or bus mastering is off: nothing is sent and nothing latched. */
    DISABLED
}
