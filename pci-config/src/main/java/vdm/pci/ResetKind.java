package vdm.pci;

/** The resets a function can undergo; all but {@link #COLD} keep sticky bits (PCIe base spec 6.6). */
public enum ResetKind {
    /** Function Level Reset (PCIe 6.6.2), e.g. through Device Control bit 15. */
    FLR,
    /** D3hot -> D0 transition with No_Soft_Reset clear (PCI PM 1.2, 5.4): an internal reset. */
    D3HOT_TO_D0,
    /** Secondary bus reset through the parent bridge's Bridge Control bit 6 (a hot reset). */
    SECONDARY_BUS,
    /** Power-on: everything, sticky bits included, returns to its power-on value. */
    COLD
}
