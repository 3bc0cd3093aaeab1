package vdm.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * libxl's reading of a sysfs {@code resource} line. The 32-bit values are what glibc 2.36 gives for
 * {@code sscanf(line, "0x%x 0x%x 0x%x\n", &start, &end, &flags)} into {@code unsigned int}s, run on this machine with
 * the wide host GPU's BAR2 and BAR4 lines: "start=0 end=0xfffffff flags=0x14220c size=0x10000000" and
 * "start=0x10000000 end=0x10ffffff flags=0x14220c size=0x1000000".
 */
class SysfsLineTest {
    @Test
    void aBarAboveFourGibReadIntoUnsignedIntsKeepsTheLow32BitsAsGlibcDoes() {
        SysfsLine bar2 = SysfsLine.parsedAs32Bit(0x80_0000_0000L, 0x80_0fff_ffffL, 0x14220cL);
        assertEquals(0, bar2.start(), "the low 32 bits are 0: libxl's if (start) skips the line");
        assertEquals(0xfffffffL, bar2.end());
        assertEquals(0x10000000L, bar2.size());
        SysfsLine bar4 = SysfsLine.parsedAs32Bit(0x80_1000_0000L, 0x80_10ff_ffffL, 0x14220cL);
        assertEquals(0x10000000L, bar4.start());
        assertEquals(0x1000000L, bar4.size());
        assertEquals(0x1000L, bar4.pages());
        assertEquals(0x10000L, bar4.start() >>> SysfsLine.XC_PAGE_SHIFT, "the frames revoked: 256 MiB into low memory");
    }

    @Test
    void read64BitTheLineIsTheBarAndTheSizeRoundsUpToPages() {
        SysfsLine bar = new SysfsLine(0x80_0000_0000L, 0x80_0fff_ffffL, 0x14220cL);
        assertEquals(0x80_0000_0000L, bar.start());
        assertEquals(0x10000L, bar.pages());
        assertEquals(1, new SysfsLine(0xfd000000L, 0xfd0000ffL, 0x200).pages(), "a 256-byte BAR is one page");
    }

    @Test
    void a32BitSizeRoundsUpIn32BitArithmetic() {
        // (size + XC_PAGE_SIZE - 1) in unsigned int: a size of 0xfffff001 and more wraps to a handful of pages
        SysfsLine huge = SysfsLine.parsedAs32Bit(0x1_0000_0000L, 0x1_ffff_ffffL, 0x200);
        assertEquals(0, huge.start());
        assertEquals(0, huge.size(), "0xffffffff - 0 + 1 wraps to 0");
        assertEquals(0, huge.pages());
    }
}
