package vdm.pci.dump;

import vdm.pci.Sbdf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.Engine;
import vdm.testkit.Seeds;

/** The lspci -x/-xxx/-xxxx text format: writing, parsing, and errors that name the line. */
class LspciDumpFormatTest {
    /** Pinned base 0: each device and mode's random writes are seeded with their hash, XOR the base. */
    private static final Seeds SEEDS = Seeds.of(LspciDumpFormatTest.class, 0);

    @TempDir
    Path dir;

    @Test
    void formatWritesTheDeviceLineAndSixteenLowerCaseBytesPerLine() {
        ConfigSpace e1000 = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        List<String> lines = LspciDump.format(new Sbdf(0, 3, 0), e1000).lines().toList();
        assertEquals("00:03.0 Ethernet controller: Device 8086:100e (rev 03)", lines.get(0));
        assertEquals("00: 86 80 0e 10 00 00 00 00 03 00 00 02 00 00 00 00", lines.get(1));
        assertEquals("20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11", lines.get(3));
        assertTrue(lines.get(16).startsWith("f0: "), lines.get(16));
        assertEquals("", lines.get(17), "a blank line ends the device, as lspci prints it");
        assertEquals(18, lines.size());
    }

    @Test
    void offsetsFrom0x100TakeThreeHexDigitsAndDomainsShowWhenNonZero() {
        ConfigSpace gpu = Engine.REFERENCE.create(DeviceCatalog.layout("gpu"));
        List<String> lines = LspciDump.format(new Sbdf(1, 0x3b, 0, 1), gpu).lines().toList();
        assertEquals("0001:3b:00.1 3D controller: Device 10de:1eb8 (rev a1)", lines.get(0));
        assertEquals(1 + 256 + 1, lines.size());
        assertTrue(lines.get(16).startsWith("f0: "));
        assertEquals("100: 01 00 82 14 00 00 00 00 00 00 00 00 30 20 46 00", lines.get(17));
        assertTrue(lines.get(256).startsWith("ff0: "));
    }

    @Test
    void formatCanLimitTheDumpTo64Or256Bytes() {
        ConfigSpace gpu = Engine.REFERENCE.create(DeviceCatalog.layout("gpu"));
        assertEquals(64, LspciDump.parse(LspciDump.format(new Sbdf(0, 1, 0), gpu, 64)).getFirst().length());
        assertEquals(256, LspciDump.parse(LspciDump.format(new Sbdf(0, 1, 0), gpu, 256)).getFirst().length());
        ConfigSpace e1000 = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        assertEquals(256, LspciDump.parse(LspciDump.format(new Sbdf(0, 1, 0), e1000, 4096)).getFirst().length(),
                "a conventional device has no extended space to show, as with lspci -xxxx");
        assertThrows(IllegalArgumentException.class, () -> LspciDump.format(new Sbdf(0, 1, 0), e1000, 100));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vdm.pci.dump.CatalogDevices#all")
    void exportThenParseGivesTheSameBytesAfterRandomWrites(String name, Mode mode) {
        long seed = SEEDS.base() ^ (name.hashCode() * 31L + mode.ordinal());
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        ConfigSpace space = Engine.COMPILED.create(DeviceCatalog.layout(name, mode));
        for (int i = 0; i < 2000; i++) {
            int size = 1 << random.nextInt(3);
            space.write(random.nextInt(space.size() / size) * size, size, random.nextInt());
        }
        DumpedFunction back = LspciDump.parse(LspciDump.format(new Sbdf(0, 4, 0), space), new Sbdf(0, 4, 0));
        assertArrayEquals(space.bytes(), back.bytes(), SEEDS.describe(seed));
        assertEquals(LspciDump.describe(space.bytes()), back.description());
    }

    @Test
    void parseSelectsOneDeviceOfSeveralByAddress() {
        ConfigSpace e1000 = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        ConfigSpace nvme = Engine.REFERENCE.create(DeviceCatalog.layout("nvme"));
        String text = LspciDump.format(new Sbdf(0, 3, 0), e1000) + LspciDump.format(new Sbdf(0, 4, 0), nvme);
        List<DumpedFunction> all = LspciDump.parse(text);
        assertEquals(List.of(new Sbdf(0, 3, 0), new Sbdf(0, 4, 0)), all.stream().map(DumpedFunction::bdf).toList());
        assertArrayEquals(nvme.bytes(), LspciDump.parse(text, Sbdf.parse("00:04.0")).bytes());
        assertEquals(19, all.get(1).line(), "the device line of the second device");
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> LspciDump.parse(text, Sbdf.parse("00:05.0")));
        assertEquals("no device 00:05.0 in the dump; it has 00:03.0, 00:04.0", e.getMessage());
    }

    @Test
    void parseAcceptsCrLfUpperCaseAndIndentedDecodingLines() {
        ConfigSpace e1000 = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        String text = LspciDump.format(new Sbdf(0, 3, 0), e1000, 64).toUpperCase()
                .replace("00:03.0 ETHERNET", "00:03.0 Ethernet\n\tSubsystem: whatever\n\tControl: I/O-").replace("\n", "\r\n");
        assertArrayEquals(java.util.Arrays.copyOf(e1000.bytes(), 64), LspciDump.parse(text).getFirst().bytes());
    }

    /** A 64-byte dump with {@code bad} replacing line {@code at} (1-based: line 1 is the device line). */
    private static String withLine(int at, String bad) {
        ConfigSpace e1000 = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        List<String> lines = new java.util.ArrayList<>(LspciDump.format(new Sbdf(0, 3, 0), e1000, 64).lines().toList());
        lines.set(at - 1, bad);
        return String.join("\n", lines) + "\n";
    }

    private static void assertError(String text, int line, String fragment) {
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> LspciDump.parse(text));
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("line " + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "'" + fragment + "' not in: " + e.getMessage());
    }

    @Test
    void aByteThatIsNotTwoHexDigitsNamesItsLineAndOffset() {
        assertError(withLine(3, "10: 00 00 00 00 zz 00 00 00 00 00 00 00 00 00 00 00"), 3, "'zz' at offset 0x14 is not a byte");
        assertError(withLine(4, "20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 111"), 4, "'111' at offset 0x2f");
    }

    @Test
    void aLineThatIsNeitherDeviceNorDataNamesItsLine() {
        assertError(withLine(2, "hello world"), 2, "neither a device line");
        assertError(withLine(1, "00:20.0 Ethernet controller"), 1, "device 0x20 must be 00..1f");
    }

    @Test
    void dataBeforeAnyDeviceOrAfterABlankLineIsAnError() {
        assertError("00: 86 80\n", 1, "data line outside a device");
        String device = withLine(2, "00: 86 80 0e 10 00 00 00 00 03 00 00 02 00 00 00 00");
        assertError(device + "40: 00 00\n", 7, "data line outside a device");
    }

    @Test
    void missingBytesOddLengthsAndRepeatsAreErrorsNamingTheLine() {
        String full = withLine(2, "00: 86 80 0e 10 00 00 00 00 03 00 00 02 00 00 00 00");
        assertError(full.replace("20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11\n", ""), 1, "byte 0x20 is missing");
        assertError(full.replace("30: 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00\n", ""), 1, "has 48 bytes");
        assertError(full.replace("\n\n", "\n10: 00\n\n"), 6, "offset 0x10 of 00:03.0 was already given on line 3");
        assertError(full.replace("30: ", "ff8: "), 5, "go beyond the 4096-byte configuration space");
        assertError(full + full, 7, "device 00:03.0 already appeared on line 1");
        assertError("00:03.0 Ethernet controller\n\n", 1, "has no data lines");
    }

    @Test
    void anEmptyDumpIsAnError() {
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> LspciDump.parse("\n\n"));
        assertTrue(e.getMessage().contains("no device line"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 256, 4096})
    void sysfsConfigFilesOfTheThreeSizesRead(int length) throws IOException {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte) (i * 7);
        Path file = dir.resolve("config");
        Files.write(file, bytes);
        assertArrayEquals(bytes, SysfsFiles.config(file));
    }

    @Test
    void aSysfsConfigFileOfAnotherSizeIsAnErrorNamingTheSize() throws IOException {
        Path file = dir.resolve("config");
        Files.write(file, new byte[100]);
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> SysfsFiles.config(file));
        assertTrue(e.getMessage().contains("has 100 bytes"), e.getMessage());
    }

    @Test
    void sysfsResourceGivesBarAndRomSizes() throws IOException {
        Path file = dir.resolve("resource");
        Files.writeString(file, """
                0x00000000febc0000 0x00000000febdffff 0x0000000000040200
                0x000000000000c000 0x000000000000c03f 0x0000000000040101
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                0x0000004000100000 0x000000400017ffff 0x0000000000140204
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                0x0000000000000000 0x0000000000000000 0x0000000000000000
                0x00000000feb80000 0x00000000febbffff 0x0000000000046200
                """);
        assertArrayEquals(new long[] {128 << 10, 64, 0, 512 << 10, 0, 0, 256 << 10}, SysfsFiles.resourceSizes(file));
    }
}
