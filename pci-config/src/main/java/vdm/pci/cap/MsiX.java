package vdm.pci.cap;

import vdm.pci.Effects;
import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.LayoutException;
import vdm.pci.layout.RegisterMap;

/**
 * MSI-X capability, id 0x11, 12 bytes (PCI 3.0, 6.8.2): table size, table and PBA locations (BAR indicator and
 * 8-byte aligned offset). Only Function Mask (bit 14) and MSI-X Enable (bit 15) of Message Control are writable.
 */
public final class MsiX extends Capability {
    public static final int ID = 0x11;
    private final int tableSize;
    private final int tableBir;
    private final int tableOffset;
    private final int pbaBir;
    private final int pbaOffset;

    public MsiX(int tableSize, int tableBir, int tableOffset, int pbaBir, int pbaOffset) {
        if (tableSize < 1 || tableSize > 2048) throw new LayoutException("MSI-X table size " + tableSize + " must be 1..2048");
        checkLocation("table", tableBir, tableOffset);
        checkLocation("PBA", pbaBir, pbaOffset);
        this.tableSize = tableSize;
        this.tableBir = tableBir;
        this.tableOffset = tableOffset;
        this.pbaBir = pbaBir;
        this.pbaOffset = pbaOffset;
    }

    private static void checkLocation(String what, int bir, int offset) {
        if (bir < 0 || bir > 5) throw new LayoutException("MSI-X " + what + " BIR " + bir + " must be 0..5");
        if ((offset & 7) != 0 || offset < 0) {
            throw new LayoutException(String.format("MSI-X %s offset 0x%x must be 8-byte aligned", what, offset));
        }
    }

    public int tableSize() { return tableSize; }
    public int tableBir() { return tableBir; }
    public int tableOffset() { return tableOffset; }
    public int pbaBir() { return pbaBir; }
    public int pbaOffset() { return pbaOffset; }

    @Override public int id() { return ID; }
    @Override public String name() { return "MSI-X"; }
    @Override public int length() { return 12; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        String o = label(base);
        int ctl = base + 2;
        map.declare(o, "TableSize", ctl, 2, BitKind.CONST, 0x07ff, tableSize - 1);
        map.declare(o, "Reserved", ctl, 2, BitKind.RSVDP, 0x3800, 0);
        map.declare(o, "FunctionMask", ctl, 2, BitKind.RW, 0x4000, 0);
        map.declare(o, "Enable", ctl, 2, BitKind.RW, 0x8000, 0);
        map.watch(ctl, 2, 0x8000, Effects.MSIX_ENABLE);
        map.watch(ctl, 2, 0x4000, Effects.MSIX_FUNCTION_MASK);
        map.declare(o, "TableOffsetBIR", base + 4, 4, BitKind.CONST, tableOffset | tableBir);
        map.declare(o, "PBAOffsetBIR", base + 8, 4, BitKind.CONST, pbaOffset | pbaBir);
    }
}
