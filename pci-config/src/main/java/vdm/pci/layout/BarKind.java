package vdm.pci.layout;

/** Base Address Register kinds (PCI local bus spec 3.0, 6.2.5.1). */
public enum BarKind {
    IO(0x1),
    MEM32(0x0),
    MEM64(0x4);

    /** The hard-wired low bits (without prefetchable). */
    public final int typeBits;

    BarKind(int typeBits) {
        this.typeBits = typeBits;
    }
}
