package vdm.pci.msi;

/** What became of a vector a function raised. */
public enum Delivery {
    /** The message was written. */
    SENT,
    /** The vector is masked: its pending bit is set and the message goes out on unmask. */
    PENDING,
    /** MSI (or MSI-X) is disabled, or Bus Master Enable is clear: nothing is sent and nothing latched. */
    DISABLED
}
