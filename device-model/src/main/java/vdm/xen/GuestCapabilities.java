package vdm.xen;

import java.util.ArrayList;
import java.util.List;

/**
 * A domU's view of the capability lists (Xen's vpci_init_capabilities for domUs): only MSI (0x05) and MSI-X (0x11)
 * are linked, the pointer and next fields are emulated to skip the rest, STATUS' capability bit follows, and the
 * extended list reads as empty. Hidden capabilities are gaps, so they read as ones. vdm passes the MSI and MSI-X
 * bodies through to the device; Xen emulates MSI's address and data, which matters once interrupts are delivered
 * (the toolstack layer does that translation).
 */
final class GuestCapabilities {
    private static final int MSI = 0x05, MSIX = 0x11;

    /** A capability the domU sees: where it is and its id. */
    private record Capability(int offset, int id) {}

    private GuestCapabilities() {}

    static int register(Vpci vpci, PciHardware hw) {
        List<Capability> visible = new ArrayList<>();
        if ((hw.read(0x06, 2) & 0x10) != 0) {
            int seen = 0;
            for (int off = hw.read(0x34, 1) & 0xfc; off >= 0x40 && seen < 48; off = hw.read(off + 1, 1) & 0xfc, seen++) {
                int id = hw.read(off, 1);
                if (id == MSI || id == MSIX) visible.add(new Capability(off, id));
            }
        }
        int first = visible.isEmpty() ? 0 : visible.getFirst().offset();
        int rc = vpci.addRegister((v, r) -> first, null, 0x34, 1, null);
        boolean any = !visible.isEmpty();
        if (rc == 0) {
            rc = vpci.addRegister((v, r) -> (hw.read(0x06, 2) & ~0x10) | (any ? 0x10 : 0),
                    (v, r, val) -> {
                        hw.write(0x06, 2, val);
                        return null;
                    }, 0x06, 2, null);
        }
        for (int i = 0; i < visible.size() && rc == 0; i++) {
            int off = visible.get(i).offset(), id = visible.get(i).id();
            int next = i + 1 < visible.size() ? visible.get(i + 1).offset() : 0;
            rc = vpci.addRegister((v, r) -> id | next << 8, null, off, 2, null);
            if (rc == 0) rc = vpci.addRegister((v, r) -> hw.read(off + 2, 2), (v, r, val) -> {
                hw.write(off + 2, 2, val);
                return null;
            }, off + 2, 2, null);
            int length = id == MSIX ? 12 : msiLength(hw.read(off + 2, 2));
            for (int b = off + 4; b < off + length && rc == 0; b += 4) {
                int reg = b;
                int size = Math.min(4, off + length - b);
                boolean readOnly = id == MSIX; // table and PBA locations
                rc = vpci.addRegister((v, r) -> hw.read(reg, size), readOnly ? null : (v, r, val) -> {
                    hw.write(reg, size, val);
                    return null;
                }, reg, size, null);
            }
        }
        if (rc == 0 && hw.read(0x100, 4) != 0xffffffff) rc = vpci.addRegister((v, r) -> 0, null, 0x100, 4, null);
        return rc;
    }

    private static int msiLength(int control) {
        return ((control & 0x80) != 0 ? 14 : 10) + ((control & 0x100) != 0 ? 10 : 0);
    }
}
