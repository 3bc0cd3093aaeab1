package vdm.pci.dump;

import vdm.pci.Sbdf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.Mode;
import vdm.pci.cap.Aer;
import vdm.pci.cap.Dsn;
import vdm.pci.cap.Msi;
import vdm.pci.cap.MsiX;
import vdm.pci.cap.PciExpress;
import vdm.pci.cap.PowerManagement;
import vdm.pci.cap.VendorSpecific;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.Engine;
import vdm.pci.layout.BarKind;
import vdm.pci.layout.Layout;

/** vdm's dumps as the real lspci decodes them: the dump format's contract (lspci -F reads what lspci -x/-xxx/-xxxx prints). */
class LspciDecodesExportTest {
    private static final Sbdf BDF = new Sbdf(0, 3, 0);

    @TempDir
    Path dir;

    private String decode(ConfigSpace space, String... args) throws IOException {
        Path file = dir.resolve("dump.txt");
        Files.writeString(file, LspciDump.format(BDF, space));
        return Lspci.block(Lspci.decode(file, args), BDF);
    }

    private static List<String> lines(String block) {
        return Arrays.stream(block.split("\n")).map(String::strip).toList();
    }

    private static void assertLine(String block, String expected) {
        assertTrue(lines(block).contains(expected), () -> "lspci shows no line '" + expected + "' in:\n" + block);
    }

    private static void assertShows(String block, String expected) {
        assertTrue(block.contains(expected), () -> "lspci does not show '" + expected + "' in:\n" + block);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vdm.pci.dump.CatalogDevices#all")
    void lspciDecodesIdentityAndEveryCapabilityOfAPowerOnDump(String name, Mode mode) throws IOException {
        ConfigSpace space = Engine.COMPILED.create(DeviceCatalog.layout(name, mode));
        String block = decode(space, "-n", "-vvv");
        int vendor = space.read(0, 2), device = space.read(2, 2);
        assertTrue(block.startsWith(String.format("%s %04x: %04x:%04x", BDF.lspci(), space.read(0x0a, 2), vendor, device)), block);
        if (space.read(8, 1) != 0) assertShows(block.lines().findFirst().orElseThrow(), String.format("(rev %02x)", space.read(8, 1)));
        if (space.layout().headerType() == 0) assertLine(block, String.format("Subsystem: %04x:%04x", space.read(0x2c, 2), space.read(0x2e, 2)));
        assertShows(block, "Control: I/O- Mem- BusMaster-");
        assertShows(block, "Status: Cap" + (space.layout().capabilities().isEmpty() ? "-" : "+"));
        assertLine(block, "Interrupt: pin A routed to IRQ 0");
        for (Layout.PlacedCapability c : space.layout().capabilities()) assertShows(block, expectedCapabilityLine(space, c));
        for (String line : lines(block)) {
            if (line.startsWith("Region ")) {
                assertTrue(line.endsWith("[disabled]"), "decoding is off at power-on: " + line);
                assertTrue(!line.contains("[size="), "a dump holds no BAR sizes, lspci cannot show one: " + line);
            }
        }
    }

    /** What lspci prints for a capability, derived from the layout's declaration and the space's registers. */
    private static String expectedCapabilityLine(ConfigSpace space, Layout.PlacedCapability c) {
        int o = c.offset();
        return switch (c.capability()) {
            case PowerManagement pm -> String.format("Capabilities: [%x] Power Management version %d", o, space.read(o + 2, 2) & 7);
            case Msi msi -> String.format("Capabilities: [%x] MSI: Enable%s Count=%d/%d Maskable%s 64bit%s", o,
                    sign(space.read(o + 2, 2) & 1), 1 << ((space.read(o + 2, 2) >> 4) & 7), msi.vectors(),
                    sign(msi.hasMask() ? 1 : 0), sign(msi.is64() ? 1 : 0));
            case MsiX x -> String.format("Capabilities: [%x] MSI-X: Enable%s Count=%d Masked%s\n\t\tVector table: BAR=%d offset=%08x\n"
                    + "\t\tPBA: BAR=%d offset=%08x", o, sign(space.read(o + 2, 2) & 0x8000), x.tableSize(),
                    sign(space.read(o + 2, 2) & 0x4000), x.tableBir(), x.tableOffset(), x.pbaBir(), x.pbaOffset());
            case PciExpress e -> String.format("Capabilities: [%x] Express (v%d) %s", o, space.read(o + 2, 2) & 0xf,
                    switch (e.type()) { // lspci's cap_express names
                        case ROOT_PORT -> "Root Port (Slot" + sign(space.read(o + 2, 2) & 0x100) + ")";
                        case ROOT_COMPLEX_INTEGRATED_ENDPOINT -> "Root Complex Integrated Endpoint";
                        case LEGACY_ENDPOINT -> "Legacy Endpoint"; // the first catalog device of this type: lspci's name for it
                        default -> "Endpoint";
                    });
            case VendorSpecific v -> String.format("Capabilities: [%x] Vendor Specific Information", o);
            case Aer a -> String.format("Capabilities: [%x v2] Advanced Error Reporting", o);
            case Dsn d -> String.format("Capabilities: [%x v1] Device Serial Number %s", o, serial(d.serial()));
            default -> throw new AssertionError("no expectation for capability " + c.name());
        };
    }

    private static String sign(int bit) {
        return bit != 0 ? "+" : "-";
    }

    private static String serial(long serial) {
        StringBuilder s = new StringBuilder();
        for (int shift = 56; shift >= 0; shift -= 8) {
            if (!s.isEmpty()) s.append('-');
            s.append(String.format("%02x", (serial >>> shift) & 0xff));
        }
        return s.toString();
    }

    @Test
    void lspciDecodesTheE1000eCapabilitiesAsQemuShowsThem() throws IOException {
        String block = decode(Engine.REFERENCE.create(DeviceCatalog.layout("e1000e")), "-vvv");
        assertShows(block, "Capabilities: [c8] Power Management version 2");
        assertShows(block, "Capabilities: [d0] MSI: Enable- Count=1/1 Maskable- 64bit+");
        assertShows(block, "Capabilities: [e0] Express (v1) Endpoint, MSI 00");
        assertShows(block, "Capabilities: [a0] MSI-X: Enable- Count=5 Masked-");
        assertShows(block, "Vector table: BAR=3 offset=00000000");
        assertShows(block, "PBA: BAR=3 offset=00002000");
        assertShows(block, "Capabilities: [100 v2] Advanced Error Reporting");
        assertShows(block, "Capabilities: [140 v1] Device Serial Number 52-54-00-ff-ff-12-34-56");
        assertLine(block, "Region 2: I/O ports at <unassigned> [disabled]");
    }

    @Test
    void lspciDecodesTheAx201AsTheCnviPartIs() throws IOException {
        String block = decode(Engine.REFERENCE.create(DeviceCatalog.layout("ax201")), "-vvv");
        assertShows(block, "Wi-Fi 6 AX201");
        assertShows(block, "Capabilities: [40] Express (v2) Root Complex Integrated Endpoint, MSI 00");
        assertShows(block, "Capabilities: [80] MSI-X: Enable- Count=16 Masked-");
        assertShows(block, "Vector table: BAR=0 offset=00002000");
        assertShows(block, "PBA: BAR=0 offset=00003000");
        assertShows(block, "Capabilities: [c8] Power Management version");
        assertShows(block, "Capabilities: [d0] MSI: Enable- Count=1/1 Maskable- 64bit+");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vdm.pci.dump.CatalogDevices#all")
    void lspciShowsProgrammedBarsRomCommandAndInterruptLine(String name, Mode mode) throws IOException {
        ConfigSpace space = Engine.COMPILED.create(DeviceCatalog.layout(name, mode));
        List<CatalogDevices.Assigned> bars = CatalogDevices.program(space);
        String block = decode(space, "-vvv");
        assertShows(block, "Control: I/O+ Mem+ BusMaster+");
        assertLine(block, "Interrupt: pin A routed to IRQ 11");
        for (CatalogDevices.Assigned a : bars) {
            String region = a.bar().kind() == BarKind.IO
                    ? String.format("Region %d: I/O ports at %04x", a.index(), a.address())
                    : String.format("Region %d: Memory at %08x (%s, %s)", a.index(), a.address(),
                    a.bar().kind() == BarKind.MEM64 ? "64-bit" : "32-bit",
                    a.bar().prefetchable() ? "prefetchable" : "non-prefetchable");
            assertLine(block, region);
        }
        if (space.layout().romSize() > 0) assertLine(block, String.format("Expansion ROM at %08x", CatalogDevices.romAddress(space)));
    }

    @Test
    void lspciShowsEnabledMsiAndMsiXAndADisabledRom() throws IOException {
        ConfigSpace e1000e = Engine.TABLE.create(DeviceCatalog.layout("e1000e"));
        e1000e.write(0x30, 4, 0xfeb00000);  // ROM address, enable bit clear
        e1000e.write(0xa2, 2, 0x8000);      // MSI-X enable
        e1000e.write(0xd2, 2, 0x0001);      // MSI enable
        String block = decode(e1000e, "-vvv");
        assertLine(block, "Expansion ROM at feb00000 [disabled]");
        assertShows(block, "Capabilities: [a0] MSI-X: Enable+ Count=5 Masked-");
        assertShows(block, "Capabilities: [d0] MSI: Enable+ Count=1/1 Maskable- 64bit+");
    }

    @Test
    void lspciHexOutputOfEveryCatalogDeviceInOneFileParsesBackToTheSameBytes() throws IOException {
        StringBuilder text = new StringBuilder();
        List<String> names = DeviceCatalog.names();
        byte[][] expected = new byte[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            ConfigSpace space = Engine.COMPILED.create(DeviceCatalog.layout(names.get(i)));
            CatalogDevices.program(space);
            expected[i] = space.bytes();
            text.append(LspciDump.format(new Sbdf(0, i + 1, 0), space));
        }
        Path file = dir.resolve("all.txt");
        Files.writeString(file, text.toString());
        List<DumpedFunction> back = LspciDump.parse(Lspci.decode(file, "-xxxx"));
        assertEquals(names.size(), back.size(), "lspci -xxxx shows every device of the file");
        for (int i = 0; i < names.size(); i++) {
            DumpedFunction f = LspciDump.select(back, new Sbdf(0, i + 1, 0));
            assertArrayEquals(expected[i], f.bytes(), names.get(i) + ": lspci -xxxx gives back the exported bytes");
        }
    }

    @Test
    void lspciVerboseHexOutputWithDecodingLinesStillParses() throws IOException {
        ConfigSpace gpu = Engine.REFERENCE.create(DeviceCatalog.layout("gpu"));
        CatalogDevices.program(gpu);
        Path file = dir.resolve("gpu.txt");
        Files.writeString(file, LspciDump.format(BDF, gpu, 256));
        DumpedFunction f = LspciDump.parse(Lspci.decode(file, "-vvv", "-xxx"), BDF);
        assertArrayEquals(Arrays.copyOf(gpu.bytes(), 256), f.bytes());
    }
}
