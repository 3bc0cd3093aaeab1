package vdm.pci.cap;

import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.LayoutException;
import vdm.pci.layout.RegisterMap;

/**
 * Any other standard capability: an 8-bit id and a constant body after the id and next bytes (e.g. imported from
 * a dump, where a capability vdm does not model, or cannot reproduce exactly, is kept as its bytes).
 */
public final class GenericStandard extends Capability {
    private final int id;
    private final byte[] body;
    private final String name;

    /** @param body the bytes after the next pointer; the capability is {@code 2 + body.length} bytes long */
    public GenericStandard(int id, byte... body) {
        if (id < 0 || id > 0xff) throw new LayoutException(String.format("standard capability id 0x%x must fit 8 bits", id));
        if (body.length + 2 > 0xc0) {
            throw new LayoutException("standard capability body of " + body.length + " bytes does not fit 0x40..0xff");
        }
        this.id = id;
        this.body = body.clone();
        this.name = String.format("Cap%02x", id);
    }

    @Override public int id() { return id; }
    @Override public String name() { return name; }
    @Override public int length() { return 2 + body.length; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        for (int i = 0; i < body.length; i++) {
            map.declare(label(base), String.format("Body+0x%x", 2 + i), base + 2 + i, 1, BitKind.CONST, body[i] & 0xff);
        }
    }
}
