package vdm.qmp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.qmp.QmpError;

/**
 * The state directory's race: a directory on the way checked by {@link StateDir#resolve} and swapped for a link to
 * somewhere outside before the file is opened. The open walks from DIR again without following links, so the swap is
 * refused, nothing outside is read or written, and the error quotes no content.
 */
class StateDirTest {
    @TempDir
    Path tmp;
    private Path dir, outside;
    private StateDir state;

    @BeforeEach
    void layout() throws IOException {
        dir = Files.createDirectories(tmp.resolve("state"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/doc.json"), "{\"inside\": true}");
        Files.writeString(outside.resolve("doc.json"), "root:$6$hash:19000");
        state = StateDir.of(dir);
    }

    /** The swap an attacker who can write DIR makes between the check and the open. */
    private void swapSubForALinkOutside() throws IOException {
        Files.move(dir.resolve("sub"), dir.resolve("sub.old"));
        Files.createSymbolicLink(dir.resolve("sub"), outside);
    }

    @Test
    void aDirectorySwappedForALinkAfterTheCheckIsNotFollowedByARead() throws Exception {
        Path file = state.resolve("sub/doc.json");
        assertEquals("{\"inside\": true}", state.readAt("sub/doc.json", file), "before the swap the file is read");
        swapSubForALinkOutside();
        QmpError e = assertThrows(QmpError.class, () -> state.readAt("sub/doc.json", file));
        assertTrue(e.getMessage().startsWith("'sub/doc.json': " + dir.resolve("sub") + " is a symbolic link"), e.getMessage());
        assertFalse(e.getMessage().contains("root") || e.getMessage().contains("hash"), e.getMessage());
    }

    @Test
    void aDirectorySwappedForALinkAfterTheCheckIsNotFollowedByAWrite() throws Exception {
        Path file = state.resolve("sub/new.json");
        swapSubForALinkOutside();
        QmpError e = assertThrows(QmpError.class, () -> state.writeAt("sub/new.json", file, "{}"));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        try (Stream<Path> files = Files.list(outside)) {
            assertEquals(1, files.count(), "nothing was written outside, not even a temporary file");
        }
    }

    @Test
    void aFileSwappedForADirectoryOnTheWayIsRefusedAsNotADirectory() throws Exception {
        Path file = state.resolve("sub/doc.json");
        Files.move(dir.resolve("sub"), dir.resolve("sub.old"));
        Files.writeString(dir.resolve("sub"), "x");
        QmpError e = assertThrows(QmpError.class, () -> state.readAt("sub/doc.json", file));
        assertEquals("'sub/doc.json': " + dir.resolve("sub") + " is not a directory", e.getMessage());
    }

    @Test
    void aSaveLeavesOneFileReadableOnlyByItsOwnerAndNoTemporaryFile() throws Exception {
        state.write("sub/saved.json", "{\"saved\": 1}");
        state.write("sub/saved.json", "{\"saved\": 2}");
        assertEquals("{\"saved\": 2}", Files.readString(dir.resolve("sub/saved.json")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub/saved.json"))));
        try (Stream<Path> files = Files.list(dir.resolve("sub"))) {
            assertEquals(2, files.count(), "doc.json and saved.json, no .tmp");
        }
    }

    @Test
    void aMissingDirectoryOnTheWayIsNamed() {
        QmpError e = assertThrows(QmpError.class, () -> state.write("nope/x.json", "{}"));
        assertEquals("'nope/x.json': " + dir.resolve("nope") + ": No such directory", e.getMessage());
    }
}
