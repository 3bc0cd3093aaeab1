package vdm.xen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import vdm.errno.Errno;
import vdm.pci.Sbdf;
import vdm.pci.ConfigAccessException;

/** vPCI dispatch: the reference cases of Xen's unit harness (tools/tests/vpci) and more. */
class VpciTest {
    /** Register storage as Xen's test harness keeps it: write-1-to-clear bits clear, the rest store. */
    static final class Storage {
        int value;
        final int rw1c;

        Storage(int value, int rw1c) {
            this.value = value;
            this.rw1c = rw1c;
        }
    }

    static final VpciRegister.Read READ = (v, r) -> ((Storage) r.data()).value;
    static final VpciRegister.Write WRITE = (v, r, val) -> {
        Storage s = (Storage) r.data();
        s.value = val | (s.value & s.rw1c);
        s.value &= ~(val & s.rw1c);
        return null;
    };

    /** A domU-like vPCI: gaps read as ones. */
    private static Vpci guest() {
        return new Vpci(new Sbdf(0, 0, 3, 0), 1, PciHardware.NONE, false);
    }

    @Test
    void aTwoByteRegisterWithAGapAboveReadsOnesInTheGap() {
        Vpci v = guest();
        assertEquals(0, v.addRegister(READ, WRITE, 12, 2, new Storage(0x8696, 0)));
        assertEquals(0xffff8696, v.read(12, 4));
        assertEquals(0x8696, v.read(12, 2));
        assertEquals(0xffff, v.read(14, 2));
    }

    @Test
    void byteRegistersAfterAGapComposeOneDword() {
        Vpci v = guest();
        v.addRegister(READ, WRITE, 5, 1, new Storage(0xba, 0));
        v.addRegister(READ, WRITE, 6, 1, new Storage(0xba, 0));
        v.addRegister(READ, WRITE, 7, 1, new Storage(0xbd, 0));
        assertEquals(0xbdbabaff, v.read(4, 4));
        assertEquals(0xbdba, v.read(6, 2));
    }

    @Test
    void aReadInsideARegisterIsShifted() {
        Vpci v = guest();
        v.addRegister(READ, WRITE, 0, 4, new Storage(0x1a1b1c1d, 0));
        assertEquals(0x1b, v.read(2, 1));
        assertEquals(0x1a1b, v.read(2, 2));
        assertEquals(0x1c, v.read(1, 1));
    }

    @Test
    void writeOneToClearByte() {
        Vpci v = guest();
        Storage s = new Storage(0x0f, 0xff);
        v.addRegister(READ, WRITE, 8, 1, s, 0, 0xff, 0, 0);
        v.write(8, 1, 0x5a);
        assertEquals(0x05, v.read(8, 1));
    }

    @Test
    void allFourMasksTogether() {
        Vpci v = guest();
        Storage s = new Storage(0x0f0f0f0f, 0xff00);
        assertEquals(0, v.addRegister(READ, WRITE, 16, 4, s, 0xff, 0xff00, 0xff0000, 0xff000000));
        v.write(16, 4, 0xffffffff);
        assertEquals(0x0000000f, v.read(16, 4));
    }

    @Test
    void aPartialWriteIsAReadModifyWriteThatWritesUntouchedW1cBitsAsZero() {
        Vpci v = guest();
        Storage s = new Storage(0xff00_1234, 0xff000000);
        v.addRegister(READ, WRITE, 0x20, 4, s, 0, 0xff000000, 0, 0);
        v.write(0x20, 2, 0xabcd);
        assertEquals(0xff00abcd, s.value, "w1c bits in the untouched bytes are written as 0, so they stay set");
        v.write(0x23, 1, 0x0f);
        assertEquals(0xf000abcd, s.value);
    }

    @Test
    void writesSpanningRegistersAndGapsReachEachPart() {
        Vpci v = guest();
        Storage a = new Storage(0, 0), b = new Storage(0, 0);
        v.addRegister(READ, WRITE, 0x30, 1, a);
        v.addRegister(READ, WRITE, 0x32, 2, b);
        v.write(0x30, 4, 0x11223344);
        assertEquals(0x44, a.value);
        assertEquals(0x1122, b.value);
        assertEquals(0x1122ff44, v.read(0x30, 4));
    }

    @Test
    void dom0GapsGoToTheHardware() {
        int[] hw = new int[1024];
        PciHardware device = new PciHardware() {
            @Override
            public int read(int offset, int size) {
                return (hw[offset >>> 2] >>> ((offset & 3) * 8)) & (-1 >>> ((4 - size) * 8));
            }

            @Override
            public int write(int offset, int size, int value) {
                int shift = (offset & 3) * 8;
                int mask = (-1 >>> ((4 - size) * 8)) << shift;
                hw[offset >>> 2] = (hw[offset >>> 2] & ~mask) | ((value << shift) & mask);
                return 0;
            }
        };
        Vpci v = new Vpci(new Sbdf(0, 0, 3, 0), 0, device, true);
        hw[1] = 0x00100000;
        v.addRegister(READ, WRITE, 4, 2, new Storage(0x0006, 0));
        assertEquals(0x00100006, v.read(4, 4), "STATUS (a gap) comes from the hardware, COMMAND from the handler");
        v.write(4, 4, 0xffff0007);
        assertEquals(0xffff0000, hw[1], "the gap half reached the hardware, the register half did not");
        v.write(0x40, 4, 0x12345678);
        assertEquals(0x12345678, hw[0x10], "an untrapped dword goes straight to the hardware");
    }

    @Test
    void registrationErrorsCarryXensErrno() {
        Vpci v = guest();
        VpciRegister.Read r = READ;
        assertEquals(-Errno.EINVAL, v.addRegister(r, WRITE, 0, 3, null));
        assertEquals(-Errno.EINVAL, v.addRegister(r, WRITE, 2, 4, null));
        assertEquals(-Errno.EINVAL, v.addRegister(r, WRITE, 4096, 4, null));
        assertEquals(-Errno.EINVAL, v.addRegister(null, null, 0, 4, null));
        assertEquals(-Errno.EINVAL, v.addRegister(r, WRITE, 0, 2, null, 0x10000, 0, 0, 0), "mask wider than the register");
        assertEquals(-Errno.EINVAL, v.addRegister(r, WRITE, 0, 4, null, 0xff, 0x1, 0, 0), "ro and rw1c overlap");
        assertEquals(-Errno.EINVAL, v.addRegister(r, WRITE, 0, 4, null, 0, 0, 0x3, 0x2), "rsvdp and rsvdz overlap");
        assertEquals(0, v.addRegister(r, WRITE, 8, 4, new Storage(0, 0)));
        assertEquals(-Errno.EEXIST, v.addRegister(r, WRITE, 10, 2, new Storage(0, 0)));
        assertEquals(-Errno.EEXIST, v.addRegister(r, WRITE, 8, 1, new Storage(0, 0)));
        assertEquals(1, v.registerCount(), "failed registrations change nothing");
    }

    @Test
    void removalTakesWholeRegistersAndRefusesPartialOverlaps() {
        Vpci v = guest();
        v.addRegister(READ, WRITE, 0, 4, new Storage(1, 0));
        v.addRegister(READ, WRITE, 4, 2, new Storage(2, 0));
        v.addRegister(READ, WRITE, 8, 4, new Storage(3, 0));
        assertEquals(-Errno.ERANGE, v.removeRegisters(2, 4));
        assertEquals(3, v.registerCount());
        assertEquals(0, v.removeRegisters(0, 8));
        assertEquals(1, v.registerCount());
        assertEquals(0xffffffff, v.read(0, 4));
        assertEquals(3, v.read(8, 4));
    }

    @Test
    void badAccessesAreTypedErrors() {
        Vpci v = guest();
        assertThrows(ConfigAccessException.class, () -> v.read(1, 2));
        assertThrows(ConfigAccessException.class, () -> v.write(0, 3, 0));
    }

    /** Registers at 0/4, 4/2, 8/4 and 12/4 (Xen keeps them sorted; these are added out of order). */
    private static Vpci fourRegisters() {
        Vpci v = guest();
        v.addRegister(READ, WRITE, 8, 4, new Storage(3, 0));
        v.addRegister(READ, WRITE, 0, 4, new Storage(1, 0));
        v.addRegister(READ, WRITE, 12, 4, new Storage(4, 0));
        v.addRegister(READ, WRITE, 4, 2, new Storage(2, 0));
        return v;
    }

    @Test
    void removalKeepsWhatItRemovedBeforeThePartialOverlapThatStopsIt() {
        Vpci v = fourRegisters();
        // [4, 10): 4/2 lies inside and goes; 8/4 only partly overlaps: -ERANGE, and 4/2 stays removed.
        assertEquals(-Errno.ERANGE, v.removeRegisters(4, 6));
        assertEquals(3, v.registerCount());
        assertEquals(0xffffffff, v.read(4, 4), "the removed register is a gap now");
        assertEquals(3, v.read(8, 4));
        assertEquals(4, v.read(12, 4), "registers after the overlap are not reached");
    }

    @Test
    void aSizeOfTwoToTheThirtyFirstOrMoreRemovesEverythingFromStartUp() {
        Vpci v = fourRegisters();
        assertEquals(0, v.removeRegisters(4, 0x80000000)); // end = 0x80000004, unsigned
        assertEquals(1, v.registerCount());
        assertEquals(1, v.read(0, 4));
        Vpci w = fourRegisters();
        assertEquals(0, w.removeRegisters(0, 0xffffffff));
        assertEquals(0, w.registerCount());
    }

    @Test
    void aRangeWhoseEndWrapsHoldsNoRegister() {
        Vpci v = fourRegisters();
        assertEquals(0, v.removeRegisters(8, 0xfffffffc), "end wraps to 4: nothing lies in [8, 4)");
        assertEquals(4, v.registerCount());
        // end wraps to 1: 0/4 neither lies inside [2, 1) nor misses it (it ends above 2 and starts below 1).
        assertEquals(-Errno.ERANGE, v.removeRegisters(2, 0xffffffff));
        assertEquals(4, v.registerCount());
        assertEquals(0, v.removeRegisters(0, 0), "an empty range");
        assertEquals(4, v.registerCount());
    }

    /** A dom0 device that answers from a dword array and records every access it receives as offset/size. */
    private static final class RecordingHardware implements PciHardware {
        final int[] dwords = new int[1024];
        final java.util.List<String> accesses = new java.util.ArrayList<>();

        @Override
        public int read(int offset, int size) {
            vdm.pci.Access.check(offset, size);
            accesses.add("r" + Integer.toHexString(offset) + "/" + size);
            return (dwords[offset >>> 2] >>> ((offset & 3) * 8)) & vdm.pci.Access.ones(size);
        }

        @Override
        public int write(int offset, int size, int value) {
            vdm.pci.Access.check(offset, size);
            accesses.add("w" + Integer.toHexString(offset) + "/" + size);
            int mask = vdm.pci.Access.laneMask(offset, size);
            dwords[offset >>> 2] = (dwords[offset >>> 2] & ~mask) | ((value << ((offset & 3) * 8)) & mask);
            return 0;
        }
    }

    @Test
    void eachRunOfGapBytesIsOneHardwareAccessAtItsWidth() {
        RecordingHardware hw = new RecordingHardware();
        Vpci v = new Vpci(new Sbdf(0, 0, 3, 0), 0, hw, true);
        v.addRegister(READ, WRITE, 0x04, 2, new Storage(0x0006, 0)); // COMMAND: STATUS above is a 2-byte gap
        v.addRegister(READ, WRITE, 0x13, 1, new Storage(0xaa, 0)); // 3-byte gap below, at an even offset
        v.addRegister(READ, WRITE, 0x20, 1, new Storage(0xbb, 0)); // 3-byte gap above, at an odd offset
        v.addRegister(READ, WRITE, 0x31, 1, new Storage(0xcc, 0)); // a byte gap below, a word gap above
        hw.dwords[0x04 >>> 2] = 0x02100000;
        hw.dwords[0x10 >>> 2] = 0x00332211;
        hw.dwords[0x20 >>> 2] = 0x77665500;
        hw.dwords[0x30 >>> 2] = 0x99880044;
        assertEquals(0x02100006, v.read(0x04, 4));
        assertEquals(0xaa332211, v.read(0x10, 4));
        assertEquals(0x776655bb, v.read(0x20, 4));
        assertEquals(0x9988cc44, v.read(0x30, 4));
        assertEquals(java.util.List.of("r6/2", "r10/2", "r12/1", "r21/1", "r22/2", "r30/1", "r32/2"), hw.accesses,
                "vpci_read_hw: one read per run; three bytes as word+byte from an even offset, byte+word from an odd one");
        hw.accesses.clear();
        v.write(0x04, 4, 0xffff0007);
        v.write(0x10, 4, 0x00123456);
        v.write(0x20, 4, 0x12345600);
        v.write(0x30, 4, 0x12340056);
        assertEquals(java.util.List.of("w6/2", "w10/2", "w12/1", "w21/1", "w22/2", "w30/1", "w32/2"), hw.accesses);
        assertEquals(0xffff0000, hw.dwords[0x04 >>> 2], "STATUS got the upper half in one word write");
        assertEquals(0x00123456, hw.dwords[0x10 >>> 2]);
        assertEquals(0x12345600, hw.dwords[0x20 >>> 2]);
        assertEquals(0x12340056, hw.dwords[0x30 >>> 2]);
    }

    @Test
    void aDwordWithNoRegisterInAnAccessIsOneAccessOfTheWholeWidth() {
        RecordingHardware hw = new RecordingHardware();
        Vpci v = new Vpci(new Sbdf(0, 0, 3, 0), 0, hw, true);
        v.addRegister(READ, WRITE, 0x04, 2, new Storage(0x0006, 0));
        v.read(0x06, 2);
        v.read(0x40, 4);
        v.write(0x06, 2, 0xffff);
        v.write(0x40, 4, 1);
        assertEquals(java.util.List.of("r6/2", "r40/4", "w6/2", "w40/4"), hw.accesses);
    }

    @Test
    void aTwoByteGapAtAnOddOffsetIsReadAsItsTwoBytes() {
        // Xen's vpci_read_hw passes this run to one unaligned pci_conf_read16; vdm's hardware takes aligned accesses
        // only (PciHardware), so the run between byte registers at 0 and 3 is read and written byte by byte.
        RecordingHardware hw = new RecordingHardware();
        Vpci v = new Vpci(new Sbdf(0, 0, 3, 0), 0, hw, true);
        v.addRegister(READ, WRITE, 0x40, 1, new Storage(0x11, 0));
        v.addRegister(READ, WRITE, 0x43, 1, new Storage(0x44, 0));
        hw.dwords[0x40 >>> 2] = 0x00332200;
        assertEquals(0x44332211, v.read(0x40, 4));
        v.write(0x40, 4, 0x00abcd00);
        assertEquals(java.util.List.of("r41/1", "r42/1", "w41/1", "w42/1"), hw.accesses);
        assertEquals(0x00abcd00, hw.dwords[0x40 >>> 2]);
    }
}
