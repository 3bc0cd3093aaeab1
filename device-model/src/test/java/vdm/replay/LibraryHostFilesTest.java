package vdm.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.host.HostDescription;
import vdm.persist.HostJsonReader;
import vdm.persist.HostJsonWriter;

/** The library's own host files read, and written back read to the same description (what a snapshot of them holds). */
class LibraryHostFilesTest {
    @ParameterizedTest
    @ValueSource(strings = {"maskall-host.json", "memmap-host.json"})
    void aLibraryHostFileReadsBackEqualAfterWriting(String name) {
        HostDescription d = HostRef.file(name).description().get();
        assertEquals(d, HostJsonReader.parse(HostJsonWriter.toJson(d)));
        assertFalse(d.functions().stream().noneMatch(f -> f.firmware().leavesAnything()), "the file says what firmware left");
    }
}
