package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.host.HostDescriptionException;
import vdm.host.IntxPin;
import vdm.host.IntxRoute;
import vdm.host.PhysicalFunction;
import vdm.host.RootBus;
import vdm.ioapic.InterruptSourceOverride;
import vdm.pci.Sbdf;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.dump.LspciDump;
import vdm.pci.engine.Engine;

/** The JSON format: what it accepts, and errors that name the path, the member and the line. */
class HostJsonReaderTest {
    private static final String MINIMAL = """
            {
              "version": 1,
              "ioApics": [ { "id": 0, "address": "0xfec00000", "gsiBase": 0, "pins": 24 } ],
              "functions": [ { "at": "0000:00:03.0", "device": "e1000e" } ],
              "prt": [ { "bus": 0, "device": 3, "pin": "A", "gsi": 16 } ]
            }
            """;

    private static HostDescriptionException refused(String json) {
        return assertThrows(HostDescriptionException.class, () -> HostJsonReader.parse(json, "host.json", null));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message should mention '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void minimalDescriptionEqualsTheBuilderOne() {
        HostDescription built = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24).device("00:03.0", "e1000e")
                .prt(0, 3, IntxPin.A, 16).describe();
        assertEquals(built, HostJsonReader.parse(MINIMAL));
    }

    /** Issue 16: the version is the JSON number 1, and an integer string is what docs/host-json.md says and nothing else. */
    @Test
    void numbersAreReadAsDocumentedAndNothingElse() {
        assertMentions(refused(MINIMAL.replace("\"version\": 1", "\"version\": \"1\"")), "version", "must be a JSON integer");
        assertMentions(refused(MINIMAL.replace("\"version\": 1", "\"version\": 1.0")), "version", "must be a JSON integer");
        for (String pins : List.of("+24", "0x-18", "\u0662\u0664", "0x", "24 pins", "")) {
            assertMentions(refused(MINIMAL.replace("\"pins\": 24", "\"pins\": \"" + pins + "\"")), "ioApics[0].pins", "is not an integer");
        }
        for (String pins : List.of("24", "0x18", "0X18", "0x1_8", " 24 ")) {
            assertEquals(HostJsonReader.parse(MINIMAL), HostJsonReader.parse(MINIMAL.replace("\"pins\": 24", "\"pins\": \"" + pins + "\"")), pins);
        }
    }

    @Test
    void syntaxErrorNamesTheLine() {
        var e = refused("{\n  \"version\": 1,\n  \"ioApics\": [ { \"id\": 0, }\n]}");
        assertMentions(e, "host.json line 3");
    }

    @Test
    void unknownMemberNamesItsPathAndTheKnownOnes() {
        var e = refused(MINIMAL.replace("\"device\": \"e1000e\"", "\"device\": \"e1000e\", \"slot\": 3"));
        assertMentions(e, "line 4", "functions[0]", "unknown member 'slot'", "at", "device", "layout", "import");
    }

    @Test
    void wrongTypeNamesThePath() {
        var e = refused(MINIMAL.replace("\"pins\": 24", "\"pins\": \"many\""));
        assertMentions(e, "line 3", "ioApics[0].pins", "'many' is not an integer");
    }

    @Test
    void duplicateMemberIsRefused() {
        var e = refused(MINIMAL.replace("\"version\": 1,", "\"version\": 1, \"version\": 1,"));
        assertMentions(e, "line 2", "version");
    }

    @Test
    void missingOrUnsupportedVersionIsRefused() {
        assertMentions(refused(MINIMAL.replace("\"version\": 1,", "")), "version", "missing");
        assertMentions(refused(MINIMAL.replace("\"version\": 1,", "\"version\": 2,")), "version", "2 is not supported");
    }

    @Test
    void missingRequiredMemberNamesThePath() {
        assertMentions(refused(MINIMAL.replace("\"gsiBase\": 0, ", "")), "ioApics[0].gsiBase", "missing");
        assertMentions(refused(MINIMAL.replace("\"at\": \"0000:00:03.0\", ", "")), "functions[0].at", "missing");
    }

    @Test
    void prtEntryNeedsExactlyOneOfGsiAndLink() {
        var e = refused(MINIMAL.replace("\"gsi\": 16", "\"gsi\": 16, \"link\": \"LNKA\""));
        assertMentions(e, "prt[0]", "exactly one of 'gsi'");
    }

    @Test
    void functionNeedsExactlyOneSource() {
        var e = refused(MINIMAL.replace("\"device\": \"e1000e\"", "\"device\": \"e1000e\", \"layout\": { \"name\": \"x\" }"));
        assertMentions(e, "functions[0]", "exactly one of 'device'");
    }

    @Test
    void badSbdfAndPinNameThePath() {
        assertMentions(refused(MINIMAL.replace("0000:00:03.0", "00:3")), "functions[0].at", "00:3");
        assertMentions(refused(MINIMAL.replace("\"pin\": \"A\"", "\"pin\": \"E\"")), "prt[0].pin", "'E'");
    }

    @Test
    void semanticErrorsNameTheElement() {
        var e = refused(MINIMAL.replace("\"device\": \"e1000e\"", "\"device\": \"e1001\""));
        assertMentions(e, "host.json", "device 0000:00:03.0", "unknown catalog device 'e1001'", String.join(", ", DeviceCatalog.names()));
        assertMentions(refused(MINIMAL.replace("\"gsi\": 16", "\"gsi\": 99")), "_PRT entry 0000:00 device 03 INTA", "GSI 99");
        assertMentions(refused(MINIMAL.replace("\"gsi\": 16", "\"link\": \"LNKQ\"")), "unknown link 'LNKQ'");
    }

    @Test
    void linkCurrentNotPossibleNamesTheLink() {
        String json = MINIMAL.replace("\"gsi\": 16 }", "\"link\": \"LNKA\" }")
                .replace("\"prt\"", "\"links\": [ { \"name\": \"LNKA\", \"possible\": [16, 17], \"current\": 18 } ],\n  \"prt\"");
        assertMentions(refused(json), "links[0]", "link LNKA", "current IRQ 18");
    }

    @Test
    void hexStringsAndDefaultsAreAccepted() {
        String json = """
                { "version": 1,
                  "ioApics": [ { "id": 0, "address": 4274995200, "gsiBase": 0, "pins": "0x18" } ],
                  "bridges": [ { "at": "00:1c.0", "device": "pcie-root-port", "secondaryBus": "0x01" } ],
                  "functions": [ { "at": "01:00.0", "device": "nvme" } ],
                  "prt": [ { "bus": 0, "device": "0x1c", "pin": "INTA", "link": "LNKA" } ],
                  "links": [ { "name": "LNKA", "possible": [ 20, 21 ], "current": 20 } ] }
                """;
        HostDescription d = HostJsonReader.parse(json);
        assertEquals(1, d.bridges().getFirst().subordinateBus(), "subordinate defaults to secondary");
        assertEquals(List.of(new RootBus(0, 0)), d.rootBuses(), "root bus 0000:00 by default");
        assertEquals(InterruptSourceOverride.IRQ0_TO_GSI2, d.madt().overrides().getFirst());
        Host host = Host.create(d).enumerate();
        IntxRoute r = host.route(Sbdf.parse("01:00.0")).orElseThrow();
        assertEquals(20, r.gsi());
        assertTrue(r.swizzled());
    }

    @Test
    void importedDumpIsLoadedWithItsValuesAndBarSizes(@TempDir Path dir) throws Exception {
        ConfigSpace nic = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        nic.write(0x10, 4, 0xfebc_0000);
        nic.write(0x04, 2, 0x0007);
        Files.writeString(dir.resolve("nic.lspci"), LspciDump.format(new Sbdf(0, 3, 0), nic));
        String json = MINIMAL.replace("\"device\": \"e1000e\"",
                "\"import\": { \"file\": \"nic.lspci\", \"function\": \"00:03.0\", \"bars\": { \"0\": \"0x20000\", \"1\": 64 }, \"rom\": \"0x40000\" }");
        Files.writeString(dir.resolve("host.json"), json);

        Host host = HostJsonReader.load(dir.resolve("host.json"));
        Sbdf sbdf = Sbdf.parse("00:03.0");
        PhysicalFunction f = host.require(sbdf);
        assertEquals(0x100e8086, host.read(sbdf, 0, 4));
        assertEquals(0xfebc_0000L, f.barAddress(0));
        assertEquals(128L << 10, f.barSize(0));
        assertTrue(f.barDecodes(0), "the dump had memory decoding on");
        assertEquals(16, host.route(sbdf).orElseThrow().gsi());
        assertEquals(HostJsonReader.read(dir.resolve("host.json")), HostJsonReader.read(dir.resolve("host.json")), "dumps compare by content");
    }

    @Test
    void importErrorsNameTheImport(@TempDir Path dir) throws Exception {
        ConfigSpace nic = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        nic.write(0x10, 4, 0xfebc_0000);
        Files.writeString(dir.resolve("nic.lspci"), LspciDump.format(new Sbdf(0, 3, 0), nic));
        Files.writeString(dir.resolve("missing-size.json"), MINIMAL.replace("\"device\": \"e1000e\"",
                "\"import\": { \"file\": \"nic.lspci\" }"));
        var e = assertThrows(HostDescriptionException.class, () -> HostJsonReader.read(dir.resolve("missing-size.json")));
        assertMentions(e, "missing-size.json", "device 0000:00:03.0", "BAR0", "no size");
        Files.writeString(dir.resolve("no-file.json"), MINIMAL.replace("\"device\": \"e1000e\"",
                "\"import\": { \"file\": \"absent.lspci\" }"));
        assertMentions(assertThrows(HostDescriptionException.class, () -> HostJsonReader.read(dir.resolve("no-file.json"))),
                "functions[0].import.file", "absent.lspci");
    }

    @Test
    void unreadableFileIsNamed(@TempDir Path dir) {
        var e = assertThrows(HostDescriptionException.class, () -> HostJsonReader.read(dir.resolve("nope.json")));
        assertEquals(dir.resolve("nope.json") + ": cannot read: No such file or directory", e.getMessage());
        var notDir = assertThrows(HostDescriptionException.class, () -> HostJsonReader.read(dir));
        assertEquals(dir + ": cannot read: Is a directory", notDir.getMessage());
    }
}
