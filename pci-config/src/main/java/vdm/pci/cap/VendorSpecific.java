package vdm.pci.cap;

import java.util.ArrayList;
import java.util.List;
import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.LayoutException;
import vdm.pci.layout.RegisterMap;

/**
 * Vendor-specific capability, id 0x09 (PCI 3.0, 6.7): byte 2 is the length, the rest is the vendor's. Body bytes are
 * constant unless declared writable (as virtio's PCI configuration access capability does).
 */
public final class VendorSpecific extends Capability {
    public static final int ID = 0x09;
    private final byte[] body; // bytes from offset 3 on
    private final List<int[]> writable = new ArrayList<>(); // {relativeOffset, width, mask}

    /** @param body the bytes after the length byte; the capability is {@code 3 + body.length} bytes long */
    public VendorSpecific(byte... body) {
        if (body.length + 3 > 0xff) throw new LayoutException("vendor capability body of " + body.length + " bytes is too long");
        this.body = body.clone();
    }

    /** Makes {@code mask} of the register at {@code relativeOffset} (from the capability start) read-write. */
    public VendorSpecific writable(int relativeOffset, int width, int mask) {
        if (relativeOffset < 3 || relativeOffset + width > length()) {
            throw new LayoutException(String.format("vendor capability writable register at +0x%x width %d is "
                    + "outside its body (length %d)", relativeOffset, width, length()));
        }
        writable.add(new int[] {relativeOffset, width, mask});
        return this;
    }

    @Override public int id() { return ID; }
    @Override public String name() { return "Vendor"; }
    @Override public int length() { return 3 + body.length; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        String o = label(base);
        map.declare(o, "Length", base + 2, 1, BitKind.CONST, length());
        for (int[] w : writable) {
            int value = 0;
            for (int i = 0; i < w[1]; i++) value |= (body[w[0] - 3 + i] & 0xff) << (8 * i);
            map.declare(o, String.format("Writable+0x%x", w[0]), base + w[0], w[1], BitKind.RW, w[2], value & w[2]);
        }
        for (int i = 0; i < body.length; i++) {
            int off = base + 3 + i;
            int free = 0xff;
            for (int[] w : writable) {
                int rel = 3 + i - w[0];
                if (rel >= 0 && rel < w[1]) free &= ~(w[2] >>> (8 * rel)) & 0xff;
            }
            if (free != 0) map.declare(o, String.format("Body+0x%x", 3 + i), off, 1, BitKind.CONST, free, body[i] & free);
        }
    }
}
