package vdm.pci.dump;

import vdm.pci.Sbdf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.Engine;
import vdm.pci.layout.Layout;
import vdm.pci.layout.LayoutException;
import vdm.testkit.Seeds;

/** Rebuilding devices from dumps: they read back the dumped bytes, and bad dumps fail naming the BAR or offset. */
class DeviceImporterTest {
    /** Pinned base 0: each device's random writes are seeded with its name's hash, XOR the base. */
    private static final Seeds SEEDS = Seeds.of(DeviceImporterTest.class, 0);

    /** An importer given the catalog layout's BAR and ROM sizes, as a caller who knows the device would. */
    private static DeviceImporter importerFor(Layout layout) {
        DeviceImporter importer = new DeviceImporter("imported " + layout.name()).mode(layout.mode());
        for (int i = 0; i < layout.barCount(); i++) if (layout.bar(i) != null) importer.bar(i, layout.bar(i).size());
        if (layout.romSize() > 0) importer.rom(layout.romSize());
        return importer;
    }

    private static byte[] dumpOf(ConfigSpace space) {
        return LspciDump.parse(LspciDump.format(new Sbdf(0, 3, 0), space)).getFirst().bytes();
    }

    private static void assertReadsBack(byte[] dump, ConfigSpace space) {
        for (int off = 0; off < dump.length; off += 4) {
            int expected = CapabilityChain.dword(dump, off);
            int actual = space.read(off, 4);
            if (expected != actual) {
                throw new AssertionError(String.format("%s reads 0x%08x at 0x%03x, the dump has 0x%08x",
                        space.layout().name(), actual, off, expected));
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vdm.pci.dump.CatalogDevices#all")
    void everyCatalogDeviceImportsFromItsDumpAndReadsItBackInEveryEngine(String name, Mode mode) {
        Layout original = DeviceCatalog.layout(name, mode);
        ConfigSpace space = Engine.COMPILED.create(original);
        for (boolean programmed : new boolean[] {false, true}) {
            if (programmed) {
                CatalogDevices.program(space);
                space.write(0x0c, 1, 0x10); // cache line size
            }
            byte[] dump = dumpOf(space);
            ImportedDevice imported = importerFor(original).from(dump);
            assertEquals(List.of(), imported.mismatches(), name);
            assertEquals(List.of(), imported.keptAsBytes(), name + ": every capability is a modelled one");
            Layout layout = imported.layout();
            assertEquals(original.size(), layout.size());
            assertEquals(original.headerType(), layout.headerType());
            assertEquals(original.romSize(), layout.romSize());
            for (int i = 0; i < original.barCount(); i++) assertEquals(original.bar(i), layout.bar(i), name + " BAR" + i);
            assertEquals(describe(original.capabilities()), describe(layout.capabilities()));
            for (Engine engine : Engine.values()) assertReadsBack(dump, imported.create(engine));
        }
    }

    private static List<String> describe(List<Layout.PlacedCapability> caps) {
        return caps.stream().map(c -> c.name() + "@" + Integer.toHexString(c.offset()) + "/" + c.length()).toList();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vdm.pci.dump.CatalogDevices#all")
    void anImportedDeviceAnswersHeaderAndMsiWritesAsTheOriginal(String name, Mode mode) {
        Layout original = DeviceCatalog.layout(name, mode);
        ConfigSpace expected = Engine.REFERENCE.create(original);
        ConfigSpace actual = importerFor(original).from(dumpOf(expected)).create(Engine.COMPILED);
        // Offsets whose write behaviour a dump fully determines: the header, MSI and MSI-X.
        List<Integer> targets = new java.util.ArrayList<>();
        for (int off = 0; off < 0x40; off += 4) targets.add(off);
        for (Layout.PlacedCapability c : original.capabilities()) {
            if (c.name().startsWith("MSI")) for (int off = c.offset(); off < c.offset() + c.length(); off += 4) targets.add(off & ~3);
        }
        long seed = SEEDS.base() ^ name.hashCode();
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        for (int i = 0; i < 3000; i++) {
            int size = 1 << random.nextInt(3);
            int off = targets.get(random.nextInt(targets.size())) + random.nextInt(4 / size) * size;
            int value = random.nextInt(4) == 0 ? -1 : random.nextInt();
            assertEquals(expected.write(off, size, value), actual.write(off, size, value),
                    String.format("%s: effects of write 0x%x size %d", SEEDS.describe(seed), off, size));
            assertEquals(expected.read(off & ~3, 4), actual.read(off & ~3, 4),
                    String.format("%s: after write 0x%08x to 0x%x size %d", SEEDS.describe(seed), value, off, size));
        }
    }

    /** A real virtio-net function's 256 bytes (lspci -xxx on a cloud VM): 64-bit BAR0 of 512 KiB, five virtio caps. */
    private static final String REAL_VIRTIO_NET = """
            00:03.0 Ethernet controller: Red Hat, Inc. Virtio 1.0 network device (rev 01)
            00: f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00
            10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00 00
            20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 41 10
            30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
            40: 09 50 10 01 00 00 00 00 00 00 00 00 38 00 00 00
            50: 09 60 10 03 00 00 00 00 00 20 00 00 01 00 00 00
            60: 09 70 10 04 00 00 00 00 00 40 00 00 00 10 00 00
            70: 09 84 14 02 00 00 00 00 00 60 00 00 00 10 00 00
            80: 04 00 00 00 09 98 14 05 00 00 00 00 00 00 00 00
            90: 00 00 00 00 00 00 00 00 11 00 02 80 00 80 00 00
            a0: 00 80 04 00 00 00 00 00 00 00 00 00 00 00 00 00
            b0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            c0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            d0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            e0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            f0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            """;

    @Test
    void aRealVirtioNetDumpImportsExactlyAndItsBarSizesLikeHardware() {
        DumpedFunction f = LspciDump.parse(REAL_VIRTIO_NET, Sbdf.parse("00:03.0"));
        ImportedDevice dev = new DeviceImporter("virtio-net").bar(0, 512 << 10).from(f);
        assertTrue(dev.exact(), dev.mismatches().toString());
        assertEquals(List.of("Vendor@40", "Vendor@50", "Vendor@60", "Vendor@70", "Vendor@84", "MSI-X@98"),
                dev.layout().capabilities().stream().map(c -> c.name() + "@" + Integer.toHexString(c.offset())).toList());
        ConfigSpace space = dev.create(Engine.COMPILED);
        assertReadsBack(f.bytes(), space);
        space.write(0x04, 2, 0x0404); // memory decoding off before sizing, as an OS does
        space.write(0x10, 4, -1);
        space.write(0x14, 4, -1);
        assertEquals(0xfff80004, space.read(0x10, 4), "512 KiB 64-bit non-prefetchable");
        assertEquals(0xffffffff, space.read(0x14, 4));
    }

    @Test
    void theMachinesOwnSysfsDevicesImportWithTheirResourceSizes() throws IOException {
        Path root = Path.of("/sys/bus/pci/devices");
        Assumptions.assumeTrue(Files.isDirectory(root), "no sysfs PCI devices on this machine");
        List<Path> devices;
        try (Stream<Path> s = Files.list(root)) {
            devices = s.filter(d -> Files.isReadable(d.resolve("config"))).sorted().toList();
        }
        Assumptions.assumeFalse(devices.isEmpty(), "no readable sysfs PCI config files");
        for (Path d : devices) {
            byte[] config = SysfsFiles.config(d.resolve("config"));
            ImportedDevice dev = new DeviceImporter(d.getFileName().toString()).sizesFromSysfs(d.resolve("resource")).from(config);
            byte[] got = dev.create(Engine.REFERENCE).bytes();
            List<Integer> differing = dev.mismatches().stream().map(Mismatch::offset).toList();
            for (int b = 0; b < config.length; b++) {
                if (differing.contains(b)) continue;
                assertEquals(config[b], got[b], String.format("%s byte 0x%x is not reported as a mismatch", d.getFileName(), b));
            }
            if (!dev.exact()) System.out.println(d.getFileName() + " imports with mismatches: " + dev.mismatches());
        }
    }

    @Test
    void aHeaderByteVdmHardWiresIsReportedAsAMismatch() {
        byte[] dump = dumpOf(Engine.REFERENCE.create(DeviceCatalog.layout("e1000")));
        dump[0x0d] = 0x40; // latency timer, which vdm hard-wires to 0
        ImportedDevice dev = importerFor(DeviceCatalog.layout("e1000")).from(dump);
        assertEquals(List.of(new Mismatch(0x0d, "header.LatencyTimer", 0x40, 0)), dev.mismatches());
        assertEquals("0x00d (header.LatencyTimer): dump 0x40, model 0x00", dev.mismatches().getFirst().toString());
    }

    @Test
    void unknownCapabilitiesAndUnreproducibleOnesAreKeptAsTheirBytes() {
        ConfigSpace gpu = Engine.REFERENCE.create(DeviceCatalog.layout("gpu"));
        byte[] dump = dumpOf(gpu);
        dump[0x148] = 0x0b; // DSN header becomes a vendor-specific extended capability (id 0x000b), not modelled
        dump[0x80 + 0x0d] |= 0x08; // PCIe Link Capabilities: ASPM L1 supported, which PciExpress never declares
        ImportedDevice dev = importerFor(gpu.layout()).from(dump);
        assertTrue(dev.exact(), dev.mismatches().toString());
        assertEquals(List.of("PCIe@0x80 (its model cannot reproduce the dumped bytes)", "ExtCap000b@0x148"), dev.keptAsBytes());
        assertReadsBack(dump, dev.create(Engine.TABLE));
    }

    @Test
    void aConventionalDeviceWithUnknownStandardCapabilitiesReadsBack() {
        byte[] dump = dumpOf(Engine.REFERENCE.create(DeviceCatalog.layout("e1000")));
        dump[0x06] |= 0x10;                                    // CAP_LIST
        dump[0x34] = 0x40;
        byte[] caps = {0x0d, 0x48, 0, 0, (byte) 0xf4, 0x1a, 0x00, 0x11, 0x12, 0x00, 0x01, 0x02};
        System.arraycopy(caps, 0, dump, 0x40, caps.length);    // bridge subsystem IDs at 0x40, SATA at 0x48
        ImportedDevice dev = importerFor(DeviceCatalog.layout("e1000")).from(dump);
        assertTrue(dev.exact(), dev.mismatches().toString());
        assertEquals(List.of("Cap0d@0x40", "Cap12@0x48"), dev.keptAsBytes());
        assertReadsBack(dump, dev.create(Engine.COMPILED));
    }

    @Test
    void a64ByteDumpImportsTheHeaderAndA256ByteDumpOfAnExpressDeviceStays4096() {
        byte[] e1000 = Arrays.copyOf(dumpOf(Engine.REFERENCE.create(DeviceCatalog.layout("e1000"))), 64);
        assertEquals(256, importerFor(DeviceCatalog.layout("e1000")).from(e1000).layout().size());
        byte[] gpu = Arrays.copyOf(dumpOf(Engine.REFERENCE.create(DeviceCatalog.layout("gpu"))), 256);
        ImportedDevice dev = importerFor(DeviceCatalog.layout("gpu")).from(gpu);
        assertEquals(4096, dev.layout().size(), "a PCI Express capability means a 4096-byte space");
        assertTrue(dev.exact());
        assertReadsBack(gpu, dev.create(Engine.REFERENCE));
    }

    private static String importError(byte[] dump, DeviceImporter importer) {
        return assertThrows(IllegalArgumentException.class, () -> importer.from(dump)).getMessage();
    }

    private static void assertMessage(String expectedFragment, String message) {
        assertTrue(message.contains(expectedFragment), () -> "'" + expectedFragment + "' not in: " + message);
    }

    @Test
    void anImplementedBarWithoutASizeIsAnErrorNamingTheBar() {
        ConfigSpace e1000 = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        CatalogDevices.program(e1000);
        String m = importError(dumpOf(e1000), new DeviceImporter("x").bar(0, 128 << 10).rom(256 << 10));
        assertEquals("BAR1 at 0x14 holds 0x0000c001 (io): it is implemented, but no size was given for it", m);
        m = importError(dumpOf(e1000), new DeviceImporter("x").bar(0, 128 << 10).bar(1, 64));
        assertMessage("ROM at 0x30 holds 0xc0040001: it is implemented, but no ROM size was given", m);
    }

    @Test
    void barSizesThatDoNotFitTheDumpAreErrorsNamingTheBar() {
        ConfigSpace nvme = Engine.REFERENCE.create(DeviceCatalog.layout("nvme"));
        CatalogDevices.program(nvme);
        byte[] dump = dumpOf(nvme);
        assertMessage("BAR1 is the upper half of 64-bit BAR0", importError(dump, new DeviceImporter("x").bar(0, 16 << 10).bar(1, 16)));
        assertMessage("BAR0 address 0x800000000 is not aligned to its size 0x1000000000",
                importError(dump, new DeviceImporter("x").bar(0, 1L << 36)));
        assertMessage("BAR0: BAR size 3000 is not a power of two", importError(dump, new DeviceImporter("x").bar(0, 3000)));
        byte[] bridge = dumpOf(Engine.REFERENCE.create(DeviceCatalog.layout("pcie-root-port")));
        assertMessage("BAR2 was given a size, but a type 1 header has only BAR0..BAR1",
                importError(bridge, new DeviceImporter("x").bar(0, 4096).bar(2, 4096)));
    }

    private static byte[] e1000eDump() {
        return dumpOf(Engine.REFERENCE.create(DeviceCatalog.layout("e1000e")));
    }

    private static DeviceImporter e1000eSizes() {
        return importerFor(DeviceCatalog.layout("e1000e"));
    }

    @Test
    void aLoopingCapabilityListIsAnErrorNamingTheOffsets() {
        byte[] dump = e1000eDump();
        dump[0xa1] = (byte) 0xc8; // MSI-X, the last capability, points back to PM, the first
        assertEquals("capability list loops: pointer at 0xa1 leads back to 0xc8 (first reached from 0x34)", importError(dump, e1000eSizes()));
    }

    @Test
    void capabilityPointersOutOfRangeAreErrorsNamingTheOffset() {
        byte[] dump = e1000eDump();
        dump[0x34] = 0x20;
        assertMessage("capability pointer 0x20 at 0x34 points into the header", importError(dump, e1000eSizes()));
        dump[0x34] = (byte) 0xc9;
        assertMessage("capability pointer 0xc9 at 0x34 is not dword-aligned", importError(dump, e1000eSizes()));
        byte[] header = Arrays.copyOf(e1000eDump(), 64);
        assertMessage("capability pointer 0xc8 at 0x34 points beyond the 64-byte dump", importError(header, e1000eSizes()));
    }

    @Test
    void extendedCapabilityLoopsAndLowPointersAreErrorsNamingTheOffset() {
        byte[] dump = e1000eDump();
        dump[0x142] = 0x01;
        dump[0x143] = 0x10; // DSN's next: 0x100 (AER) again
        assertEquals("extended capability list loops: header at 0x140 leads back to 0x100", importError(dump, e1000eSizes()));
        dump[0x143] = 0x08; // next 0x080
        assertEquals("extended capability pointer 0x080 in the header at 0x140 is below 0x100", importError(dump, e1000eSizes()));
    }

    @Test
    void headersVdmDoesNotModelAreErrorsNamingTheOffset() {
        byte[] dump = e1000eDump();
        dump[0x0e] = 2;
        assertMessage("header type 2 at 0x0e", importError(dump, e1000eSizes()));
        byte[] absent = e1000eDump();
        absent[0] = absent[1] = (byte) 0xff;
        assertMessage("vendor ID 0xffff at 0x00", importError(absent, e1000eSizes()));
        byte[] pin = e1000eDump();
        pin[0x3d] = 5;
        assertMessage("interrupt pin 5 at 0x3d", importError(pin, e1000eSizes()));
        assertThrows(LayoutException.class, () -> new DeviceImporter("x").bar(6, 16));
        assertMessage("64, 256 or 4096 bytes, not 100", importError(new byte[100], e1000eSizes()));
    }

    @Test
    void loadRefusesASpaceOfAnotherLayout() {
        ImportedDevice dev = e1000eSizes().from(e1000eDump());
        ConfigSpace other = Engine.REFERENCE.create(DeviceCatalog.layout("gpu"));
        assertThrows(IllegalArgumentException.class, () -> dev.load(other));
        assertArrayEquals(e1000eDump(), dev.dump());
    }
}
