package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.host.DefaultHost;
import vdm.host.FunctionSource;
import vdm.host.HostDescription;
import vdm.host.HostDescriptionException;

/** What the writer writes, the reader reads back to the same description, member by member; docs/examples included. */
class HostJsonRoundTripTest {
    static Path examples() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path e = p.resolve("docs/examples");
            if (Files.isDirectory(e)) return e;
        }
        throw new IllegalStateException("docs/examples not found above " + Path.of("").toAbsolutePath());
    }

    static Stream<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(examples())) {
            List<Path> json = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
            assertFalse(json.isEmpty(), "docs/examples has no host files");
            return json.stream();
        }
    }

    @Test
    void jsonTwinLoadsToAnEqualDescription() {
        HostDescription fromJson = HostJsonReader.read(examples().resolve("default-host.json"));
        assertEquals(DefaultHost.description(), fromJson);
    }

    @Test
    void theWideHostsJsonTwinLoadsToAnEqualDescription() {
        assertEquals(vdm.host.WideHost.description(), HostJsonReader.read(examples().resolve("wide-host.json")));
    }

    @Test
    void writtenJsonReadsBackEqual() {
        HostDescription d = DefaultHost.description();
        assertEquals(d, HostJsonReader.parse(HostJsonWriter.toJson(d)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleFiles")
    void eachExampleReadsBackMemberByMemberAfterWriting(Path file) {
        HostDescription read = HostJsonReader.read(file);
        if (read.functions().stream().anyMatch(f -> f.source() instanceof FunctionSource.Dump)) {
            assertThrows(HostDescriptionException.class, () -> HostJsonWriter.toJson(read), "imports are not written back");
            return;
        }
        String written = HostJsonWriter.toJson(read);
        HostDescription back = HostJsonReader.parse(written, "written " + file.getFileName(), file.getParent());
        assertSameMembers(read, back);
        assertEquals(written, HostJsonWriter.toJson(back), "writing what was read back writes the same document");
    }

    @Test
    void theDefaultHostReadsBackMemberByMember() {
        assertSameMembers(DefaultHost.description(), HostJsonReader.parse(HostJsonWriter.toJson(DefaultHost.description())));
    }

    @Test
    void aHostWithEveryOptionalMemberReadsBackMemberByMember() {
        assertSameMembers(RichHost.description(), HostJsonReader.parse(HostJsonWriter.toJson(RichHost.description())));
    }

    @Test
    void whatFirmwareLeftInAFunctionReadsBackAndIsWrittenOnlyWhenThere() {
        HostDescription d = vdm.host.Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device("0000:00:03.0", new FunctionSource.Catalog("nvme"), new vdm.host.Firmware(true, false, true))
                .device("0000:00:04.0", "nvme").prt(0, 3, vdm.host.IntxPin.A, 16).prt(0, 4, vdm.host.IntxPin.A, 17).describe();
        String json = HostJsonWriter.toJson(d);
        assertSameMembers(d, HostJsonReader.parse(json));
        org.junit.jupiter.api.Assertions.assertTrue(json.contains("\"msixMaskall\" : true") && json.contains("\"maskallSurvivesReset\" : true")
                && !json.contains("msixEnable"), json);
        assertEquals(1, json.split("\"firmware\"", -1).length - 1, "only the function firmware left something in");
    }

    @Test
    void aFunctionWhoseFirmwareMemberHasAnUnknownMemberIsRefusedNamingIt() {
        String json = HostJsonWriter.toJson(DefaultHost.description()).replace("\"device\" : \"nvme\"",
                "\"device\" : \"nvme\", \"firmware\" : { \"maskAll\" : true }");
        var e = assertThrows(HostDescriptionException.class, () -> HostJsonReader.parse(json));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("maskAll") && e.getMessage().contains("msixMaskall"), e.getMessage());
    }

    @Test
    void theMemoryMapAndTheBarsFirmwarePlacedReadBack() {
        HostDescription d = vdm.host.Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .memory(0, 0x9fbff, vdm.host.MemoryRegion.Type.RAM).memory(0xfd000000L, 0xfdffffffL, vdm.host.MemoryRegion.Type.RESERVED)
                .device("0000:00:05.0", new FunctionSource.Catalog("nvme"), vdm.host.Firmware.placed(java.util.Map.of(0, 0xfd000000L), true))
                .prt(0, 5, vdm.host.IntxPin.A, 16).describe();
        String json = HostJsonWriter.toJson(d);
        assertSameMembers(d, HostJsonReader.parse(json));
        org.junit.jupiter.api.Assertions.assertTrue(json.contains("\"type\" : \"reserved\"") && json.contains("\"memoryDecoding\" : true"), json);
        org.junit.jupiter.api.Assertions.assertFalse(HostJsonWriter.toJson(DefaultHost.description()).contains("memoryMap"),
                "a host without a memory map writes none");
    }

    @Test
    void anUnknownMemoryTypeIsRefusedNamingItsPathAndTheWords() {
        String json = HostJsonWriter.toJson(DefaultHost.description()).replaceFirst("\\}\\s*$",
                ", \"memoryMap\" : [ { \"start\" : 0, \"end\" : \"0x9fbff\", \"type\" : \"dram\" } ] }");
        var e = assertThrows(HostDescriptionException.class, () -> HostJsonReader.parse(json));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("memoryMap[0].type") && e.getMessage().contains("'dram'")
                && e.getMessage().contains("reserved"), e.getMessage());
    }

    /** Each part of the description apart, so a difference names the part and the element, then the whole. */
    static void assertSameMembers(HostDescription want, HostDescription got) {
        assertSameList("rootBridges", want.rootBuses(), got.rootBuses(), Object::toString);
        assertSameList("ioApics", want.madt().ioApics(), got.madt().ioApics(), Object::toString);
        assertSameList("overrides", want.madt().overrides(), got.madt().overrides(), Object::toString);
        assertEquals(want.madt().sci(), got.madt().sci(), "sci");
        assertSameList("bridges", want.bridges(), got.bridges(), b -> b.sbdf().toString());
        assertSameList("functions", want.functions(), got.functions(), f -> f.sbdf().toString());
        assertSameList("prt", want.prt(), got.prt(), Object::toString);
        assertSameList("links", want.links(), got.links(), l -> l.name());
        assertEquals(want, got, "the whole description");
    }

    private static <T> void assertSameList(String member, List<T> want, List<T> got, Function<T, String> name) {
        assertEquals(want.size(), got.size(), member + ": how many");
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i), got.get(i), member + "[" + i + "] (" + name.apply(want.get(i)) + ")");
        }
    }
}
