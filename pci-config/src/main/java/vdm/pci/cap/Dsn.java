package vdm.pci.cap;

import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.RegisterMap;

/** Device Serial Number, extended capability 0x0003 version 1, 12 bytes (PCIe base spec 7.9.3): a constant EUI-64. */
public final class Dsn extends Capability {
    public static final int ID = 0x0003;
    private final long serial;

    public Dsn(long serial) {
        this.serial = serial;
    }

    public long serial() { return serial; }

    @Override public int id() { return ID; }
    @Override public String name() { return "DSN"; }
    @Override public int length() { return 12; }
    @Override public boolean extended() { return true; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        String o = label(base);
        map.declare(o, "SerialLow", base + 4, 4, BitKind.CONST, (int) serial);
        map.declare(o, "SerialHigh", base + 8, 4, BitKind.CONST, (int) (serial >>> 32));
    }
}
