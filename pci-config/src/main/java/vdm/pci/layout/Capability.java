package vdm.pci.layout;

/**
 * A capability structure: standard ones are linked from 0x34 with an 8-bit id and next pointer (PCI 3.0, 6.7);
 * extended ones live at 0x100.. with a 32-bit header {@code id | version << 16 | next << 20} (PCIe base spec 7.6).
 * A capability declares its own body; the builder places it, writes its header and links it.
 */
public abstract class Capability {
    private int offset = -1;

    /** The capability id (8 bits standard, 16 bits extended). */
    public abstract int id();

    /** A short name used in error messages and dumps, e.g. "MSI". */
    public abstract String name();

    /** Bytes it occupies, header included. */
    public abstract int length();

    public boolean extended() {
        return false;
    }

    /**
     * Whether this is the PCI Express capability, which makes the function's config space 4096 bytes. A question the
     * capability answers, so that the layout package needs no knowledge of the capability classes above it.
     */
    public boolean makesExpressFunction() {
        return false;
    }

    /**
     * Whether the capability declares PM's No_Soft_Reset (PCI PM 1.2, 3.2.4): a D3hot -> D0 transition then keeps the
     * function's state.
     */
    public boolean declaresNoSoftReset() {
        return false;
    }

    /** Extended capability version (bits 19:16 of the header). */
    public int version() {
        return 1;
    }

    /** Declares the registers after the header; {@code base} is the capability's offset. */
    protected abstract void declareBody(RegisterMap map, int base);

    /** Places it at a fixed offset; otherwise the builder allocates one. */
    public Capability at(int offset) {
        this.offset = offset;
        return this;
    }

    /** The requested offset, or -1 to allocate. */
    public int requestedOffset() {
        return offset;
    }

    /** Called by the builder: declares header and body. */
    final void declare(RegisterMap map, int base, int next) {
        String owner = label(base);
        if (extended()) {
            map.declare(owner, "header", base, 4, BitKind.CONST, id() | version() << 16 | next << 20);
        } else {
            map.declare(owner, "id", base, 1, BitKind.CONST, id());
            map.declare(owner, "next", base + 1, 1, BitKind.CONST, next);
        }
        declareBody(map, base);
    }

    public String label(int base) {
        return String.format("%s@0x%x", name(), base);
    }
}
