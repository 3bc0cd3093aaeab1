package vdm.xen;

import java.util.Arrays;
import vdm.errno.Errno;
import vdm.pci.Sbdf;
import vdm.pci.Access;

/**
 * A device's vPCI in one domain (Xen's struct vpci and xen/drivers/vpci/vpci.c): the trapped registers, dispatch of
 * reads and writes to their handlers, and the gaps between them, which go to the hardware for the hardware domain
 * and read as ones (writes dropped) for a domU.
 *
 * <p>Xen walks a sorted list per access; vdm finds the register of every byte through a per-byte index and skips
 * untrapped dwords through a per-dword bitmap, so dispatch costs the same whatever the number of registers. Each
 * run of bytes between registers reaches the hardware as Xen's vpci_read_hw/vpci_write_hw access it, one access
 * per run at the run's width, because devices whose registers react to the access width see the difference. Reads
 * take no lock (the register table is immutable and published through a volatile field); writes and registration
 * are serialized on this object, as Xen's vpci lock serializes them.
 */
public final class Vpci {
    private static final long[] NO_DWORDS = new long[0];

    /** An immutable register table: registers, per-byte index (register + 1, 0 = gap) and trapped-dword bits. */
    private record Table(VpciRegister[] regs, short[] index, long[] trapped) {
        boolean isTrapped(int dword) {
            int w = dword >>> 6;
            return w < trapped.length && (trapped[w] >>> dword & 1) != 0;
        }
    }

    private final Sbdf sbdf;
    private final int domain;
    private final PciHardware hardware;
    private final boolean gapsToHardware;
    private volatile Table table = new Table(new VpciRegister[0], new short[0], NO_DWORDS);

    /**
     * @param gapsToHardware true for the hardware domain (gaps read and write the device), false for a domU
     */
    public Vpci(Sbdf sbdf, int domain, PciHardware hardware, boolean gapsToHardware) {
        this.sbdf = sbdf;
        this.domain = domain;
        this.hardware = hardware;
        this.gapsToHardware = gapsToHardware;
    }

    public Sbdf sbdf() { return sbdf; }
    public int domain() { return domain; }
    public PciHardware hardware() { return hardware; }

    /**
     * Xen's vpci_add_register with masks. Returns 0, {@code -EINVAL} for a bad size, alignment, offset, missing
     * handlers or masks that overlap or do not fit, {@code -EEXIST} when it overlaps a registered register.
     */
    public synchronized int addRegister(VpciRegister.Read read, VpciRegister.Write write, int offset, int size, Object data,
                                        int roMask, int rw1cMask, int rsvdpMask, int rsvdzMask) {
        if ((size != 1 && size != 2 && size != 4) || offset < 0 || offset >= Access.MAX_CONFIG_SIZE
                || (offset & (size - 1)) != 0 || (read == null && write == null)) {
            return -Errno.EINVAL;
        }
        int sizeMask = Access.ones(size);
        if (((roMask | rw1cMask | rsvdpMask | rsvdzMask) & ~sizeMask) != 0 || (roMask & rw1cMask) != 0
                || (roMask & rsvdpMask) != 0 || (roMask & rsvdzMask) != 0 || (rw1cMask & rsvdpMask) != 0
                || (rw1cMask & rsvdzMask) != 0 || (rsvdpMask & rsvdzMask) != 0) {
            return -Errno.EINVAL;
        }
        Table t = table;
        for (VpciRegister r : t.regs()) {
            if (offset < r.end() && r.offset < offset + size) return -Errno.EEXIST;
        }
        VpciRegister reg = new VpciRegister(offset, size, read, write, data, roMask, rw1cMask, rsvdpMask, rsvdzMask);
        VpciRegister[] regs = Arrays.copyOf(t.regs(), t.regs().length + 1);
        regs[regs.length - 1] = reg;
        table = build(regs);
        return 0;
    }

    /** A register without masks. */
    public int addRegister(VpciRegister.Read read, VpciRegister.Write write, int offset, int size, Object data) {
        return addRegister(read, write, offset, size, data, 0, 0, 0, 0);
    }

    /**
     * Xen's vpci_remove_registers (4.21+): walks the registers in offset order, removes each one that lies wholly
     * inside [start, start + size) and stops with {@code -ERANGE} at the first that only partly overlaps, keeping
     * what it removed before it. start, size and their sum are unsigned 32-bit as in Xen: a size of 2^31 or more
     * reaches every register from start up, and a range whose end wraps past 2^32 holds no register (it can still
     * partly overlap one that starts below the wrapped end and ends above start).
     */
    public synchronized int removeRegisters(int start, int size) {
        Table t = table;
        long from = Integer.toUnsignedLong(start), to = Integer.toUnsignedLong(start + size);
        VpciRegister[] sorted = t.regs().clone();
        Arrays.sort(sorted, (a, b) -> Integer.compare(a.offset, b.offset)); // Xen's handlers list is kept sorted
        java.util.Set<VpciRegister> removed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        int rc = 0;
        for (VpciRegister r : sorted) {
            if (r.offset >= from && r.end() <= to) {
                removed.add(r);
                continue;
            }
            if (r.end() > from && r.offset < to) {
                rc = -Errno.ERANGE;
                break;
            }
            if (from < r.offset) break; // the rest lie above the range
        }
        if (!removed.isEmpty()) {
            VpciRegister[] regs = new VpciRegister[t.regs().length - removed.size()];
            int i = 0;
            for (VpciRegister r : t.regs()) if (!removed.contains(r)) regs[i++] = r;
            table = build(regs);
        }
        return rc;
    }

    /** Removes every register (Xen's vpci_deassign_device / teardown). */
    public synchronized void clear() {
        table = build(new VpciRegister[0]);
    }

    /** The private data of the register at {@code offset}, or null (a capability finding its own state). */
    Object registerData(int offset) {
        Table t = table;
        int idx = offset < t.index().length ? t.index()[offset] : 0;
        return idx == 0 ? null : t.regs()[idx - 1].data;
    }

    public int registerCount() {
        return table.regs().length;
    }

    private static Table build(VpciRegister[] regs) {
        int limit = 0;
        for (VpciRegister r : regs) limit = Math.max(limit, r.end());
        limit = (limit + 3) & ~3;
        short[] index = new short[limit];
        long[] trapped = new long[(limit / 4 + 63) / 64];
        for (int i = 0; i < regs.length; i++) {
            VpciRegister r = regs[i];
            for (int b = r.offset; b < r.end(); b++) index[b] = (short) (i + 1);
            int d = r.offset >>> 2;
            trapped[d >>> 6] |= 1L << d;
        }
        return new Table(regs, index, trapped);
    }

    /** Reads {@code size} bytes at {@code offset}; accesses must be 1, 2 or 4 bytes, aligned, below 4096. */
    public int read(int offset, int size) {
        Access.check(offset, size);
        return readValid(offset, size);
    }

    /** {@link #read} for arguments the caller has already checked (the trap paths check once). */
    int readValid(int offset, int size) {
        Table t = table;
        // An untrapped dword: the access is aligned (size 1, 2 or 4), so it is one run of its own width (gapRead's
        // split widths never arise) and goes to the hardware as it is.
        if (!t.isTrapped(offset >>> 2)) return gapsToHardware ? hardware.read(offset, size) : Access.ones(size);
        return dispatchRead(t, offset, size);
    }

    /**
     * One run of {@code size} (1 to 4) contiguous bytes no register covers, read as Xen's vpci_read_hw reads it: one
     * access of the run's width, and a three-byte run as a byte and a word (byte first when it starts at an odd
     * offset). Xen reads a two-byte run at an odd offset (between two byte registers at 0 and 3 of a dword) with one
     * unaligned pci_conf_read16; the hardware here takes aligned accesses only, so vdm reads its two bytes.
     */
    private int gapRead(int offset, int size) {
        if (!gapsToHardware) return Access.ones(size); // a domU never reaches the hardware
        return switch (size) {
            case 3 -> (offset & 1) != 0
                    ? hardware.read(offset, 1) & 0xff | (hardware.read(offset + 1, 2) & 0xffff) << 8
                    : hardware.read(offset, 2) & 0xffff | (hardware.read(offset + 2, 1) & 0xff) << 16;
            case 2 -> (offset & 1) != 0
                    ? hardware.read(offset, 1) & 0xff | (hardware.read(offset + 1, 1) & 0xff) << 8
                    : hardware.read(offset, 2) & 0xffff;
            default -> hardware.read(offset, size) & Access.ones(size);
        };
    }

    /** vpci_write_hw for one run of gap bytes, with the widths {@link #gapRead} uses; a domU's are dropped. */
    private void gapWrite(int offset, int size, int value) {
        if (!gapsToHardware) return;
        switch (size) {
            case 3 -> {
                if ((offset & 1) != 0) {
                    hardware.write(offset, 1, value & 0xff);
                    hardware.write(offset + 1, 2, (value >>> 8) & 0xffff);
                } else {
                    hardware.write(offset, 2, value & 0xffff);
                    hardware.write(offset + 2, 1, (value >>> 16) & 0xff);
                }
            }
            case 2 -> {
                if ((offset & 1) != 0) {
                    hardware.write(offset, 1, value & 0xff);
                    hardware.write(offset + 1, 1, (value >>> 8) & 0xff);
                } else {
                    hardware.write(offset, 2, value & 0xffff);
                }
            }
            default -> hardware.write(offset, size, value & Access.ones(size));
        }
    }

    /** The end of the run of gap bytes that starts at {@code b}, within an access ending at {@code end}. */
    private static int gapEnd(Table t, int b, int end) {
        int to = b + 1;
        while (to < end && t.index()[to] == 0) to++;
        return to;
    }

    private int dispatchRead(Table t, int offset, int size) {
        int first = t.index()[offset];
        if (first != 0) {
            VpciRegister r = t.regs()[first - 1];
            if (offset + size <= r.end()) { // the whole access is inside one register: the common case
                int val = r.read.read(this, r) & ~(r.rsvdpMask | r.rsvdzMask);
                return (val >>> ((offset - r.offset) * 8)) & Access.ones(size);
            }
        }
        int end = offset + size;
        int result = 0;
        int b = offset;
        while (b < end) {
            int idx = t.index()[b];
            if (idx == 0) { // vpci_read's heading or tailing gap: one vpci_read_hw for the whole run
                int to = gapEnd(t, b, end);
                result |= gapRead(b, to - b) << ((b - offset) * 8);
                b = to;
                continue;
            }
            VpciRegister r = t.regs()[idx - 1];
            int val = r.read.read(this, r) & ~(r.rsvdpMask | r.rsvdzMask);
            int to = Math.min(end, r.end());
            for (int k = b; k < to; k++) result |= ((val >>> ((k - r.offset) * 8)) & 0xff) << ((k - offset) * 8);
            b = to;
        }
        return result;
    }

    /**
     * A write by {@code vcpu}: dispatched as {@link #dispatchWrite}, and the work a handler deferred is attached to
     * the vCPU (Xen's defer_map), to be done by {@link Vcpu#resume()}. Returns that work, or null.
     */
    public PendingMapping write(Vcpu vcpu, int offset, int size, int value) {
        PendingMapping work = dispatchWrite(offset, size, value);
        vcpu.defer(work);
        return work;
    }

    /** A write with no vCPU behind it (Xen itself, a test): work a handler defers is applied before this returns. */
    public void write(int offset, int size, int value) {
        PendingMapping work = dispatchWrite(offset, size, value);
        if (work != null) work.apply();
    }

    /**
     * Writes {@code size} bytes at {@code offset}: each register's part through Xen's vpci_write_helper (a partial
     * write, or any register with read-only or RsvdP bits, is a read-modify-write of the whole register with its
     * untouched write-1-to-clear bits written as 0); each run of gap bytes goes to the hardware in one access for dom0
     * (see {@link #gapRead}) and is dropped for a domU.
     * Returns the work the handlers deferred (a COMMAND or ROM write that changes decoding), or null: the caller
     * decides when it is done, as Xen does it when the vCPU resumes.
     */
    public synchronized PendingMapping dispatchWrite(int offset, int size, int value) {
        Access.check(offset, size);
        Table t = table;
        if (!t.isTrapped(offset >>> 2)) {
            gapWrite(offset, size, value);
            return null;
        }
        PendingMapping work = null;
        int end = offset + size;
        int b = offset;
        while (b < end) {
            int idx = t.index()[b];
            if (idx == 0) { // vpci_write's heading or tailing gap: one vpci_write_hw for the whole run
                int to = gapEnd(t, b, end);
                gapWrite(b, to - b, value >>> ((b - offset) * 8));
                b = to;
                continue;
            }
            VpciRegister r = t.regs()[idx - 1];
            int to = Math.min(end, r.end());
            PendingMapping w = writeHelper(r, to - b, b - r.offset, value >>> ((b - offset) * 8));
            if (w != null) work = work == null ? w : work.then(w);
            b = to;
        }
        return work;
    }

    /** Xen's vpci_write_helper; returns what the register's handler deferred. */
    private PendingMapping writeHelper(VpciRegister r, int size, int offsetInRegister, int data) {
        int curval = 0;
        int preserved = r.roMask | r.rsvdpMask;
        if (size != r.size || preserved != 0) {
            curval = r.read.read(this, r) & ~r.rw1cMask;
            int mask = Access.ones(size) << (offsetInRegister * 8);
            data = (curval & ~mask) | ((data << (offsetInRegister * 8)) & mask);
        }
        data &= ~(preserved | r.rsvdzMask);
        data |= curval & preserved;
        return r.write.write(this, r, data & Access.ones(r.size));
    }

    @Override
    public String toString() {
        return "vPCI of " + sbdf + " in d" + domain + " (" + table.regs().length + " registers)";
    }
}
