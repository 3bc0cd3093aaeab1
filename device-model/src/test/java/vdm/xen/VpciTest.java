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
}
