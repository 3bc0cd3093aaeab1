package vdm.pci.cap;

import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.LayoutException;
import vdm.pci.layout.RegisterMap;

/** Any other extended capability: id, version and a constant body (e.g. imported from a dump). */
public final class GenericExtended extends Capability {
    private final int id;
    private final int version;
    private final byte[] body;
    private final String name;

    public GenericExtended(int id, int version, byte... body) {
        if (id < 0 || id > 0xffff) throw new LayoutException(String.format("extended capability id 0x%x must fit 16 bits", id));
        if (version < 0 || version > 0xf) throw new LayoutException("extended capability version " + version + " must be 0..15");
        if ((body.length & 3) != 0) throw new LayoutException("extended capability body of " + body.length + " bytes is not whole dwords");
        this.id = id;
        this.version = version;
        this.body = body.clone();
        this.name = String.format("ExtCap%04x", id);
    }

    @Override public int id() { return id; }
    @Override public String name() { return name; }
    @Override public int length() { return 4 + body.length; }
    @Override public boolean extended() { return true; }
    @Override public int version() { return version; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        for (int i = 0; i < body.length; i++) {
            map.declare(label(base), String.format("Body+0x%x", 4 + i), base + 4 + i, 1, BitKind.CONST, body[i] & 0xff);
        }
    }
}
