package vdm.bench.pci;

/**
 * A baseline that dispatches like Xen's vPCI: registers in a list sorted by offset, walked from the head on every
 * access until the one that covers the offset (Xen's vpci_read/vpci_write walk pdev->vpci->handlers). Each register
 * holds its value and write mask; the write formula is the same as vdm's.
 */
final class XenStyleRegisterList {
    private static final class Register {
        final int offset, size, wmask;
        int value;
        Register next;

        Register(int offset, int size, int wmask) {
            this.offset = offset;
            this.size = size;
            this.wmask = wmask;
        }
    }

    private Register head;

    /** Registers must be added in ascending offset order. */
    void add(int offset, int size, int wmask) {
        Register r = new Register(offset, size, wmask);
        if (head == null) {
            head = r;
            return;
        }
        Register t = head;
        while (t.next != null) t = t.next;
        t.next = r;
    }

    int read(int offset, int size) {
        for (Register r = head; r != null; r = r.next) {
            if (offset < r.offset) break;
            if (offset < r.offset + r.size) return (r.value >>> ((offset - r.offset) * 8)) & (-1 >>> ((4 - size) * 8));
        }
        return -1 >>> ((4 - size) * 8);
    }

    int write(int offset, int size, int value) {
        for (Register r = head; r != null; r = r.next) {
            if (offset < r.offset) break;
            if (offset < r.offset + r.size) {
                int shift = (offset - r.offset) * 8;
                int m = (-1 >>> ((4 - size) * 8)) << shift & r.wmask;
                int old = r.value;
                r.value = (old & ~m) | ((value << shift) & m);
                return old ^ r.value;
            }
        }
        return 0;
    }
}
