package vdm.toolstack;

/**
 * The guest's view of a passed-through device's config space, as QEMU's xen_pt emulates it (hw/xen/xen_pt_config_init.c):
 * each header register has an emulation mask ({@code emu}: bits served from QEMU's copy), read-only bits, write-1-to-
 * clear bits and reserved bits. A guest read takes emulated bits from the copy and the rest from the device; a guest
 * write updates the copy's writable emulated bits and passes the other writable bits through, with every bit the
 * guest may not write taking the device's current value. BARs and the ROM are fully emulated: sizing works on the
 * copy and BAR writes never reach the device.
 */
final class GuestConfigView {
    /** One register: offset, size and the four masks. */
    record Reg(int offset, int size, int emu, int ro, int rw1c, int res) {}

    static final Reg[] HEADER = {
            new Reg(0x00, 2, 0xffff, 0xffff, 0, 0),       // vendor
            new Reg(0x02, 2, 0xffff, 0xffff, 0, 0),       // device
            new Reg(0x04, 2, 0x0000, 0xf880, 0, 0),       // command: decode, master, SERR, INTx disable pass through
            new Reg(0x06, 2, 0x0010, 0x06ff, 0xf900, 0),  // status: CAP_LIST emulated, errors w1c on the device
            new Reg(0x08, 4, 0xffffffff, 0xffffffff, 0, 0), // revision, class
            new Reg(0x0c, 1, 0xff, 0x00, 0, 0),           // cache line size
            new Reg(0x0d, 1, 0xff, 0x00, 0, 0),           // latency timer
            new Reg(0x0e, 1, 0xff, 0xff, 0, 0),           // header type
            new Reg(0x0f, 1, 0xff, 0xff, 0, 0),           // BIST
            new Reg(0x28, 4, 0xffffffff, 0xffffffff, 0, 0),
            new Reg(0x2c, 4, 0xffffffff, 0xffffffff, 0, 0), // subsystem
            new Reg(0x34, 4, 0xffffffff, 0xffffffff, 0, 0), // capabilities pointer and reserved
            new Reg(0x38, 4, 0xffffffff, 0xffffffff, 0, 0),
            new Reg(0x3c, 1, 0xff, 0x00, 0, 0),           // interrupt line
            new Reg(0x3d, 1, 0xff, 0xff, 0, 0),           // interrupt pin
            new Reg(0x3e, 2, 0xffff, 0xffff, 0, 0),
    };

    static Reg find(int offset) {
        for (Reg r : HEADER) if (offset >= r.offset() && offset < r.offset() + r.size()) return r;
        return null;
    }

    private GuestConfigView() {}
}
