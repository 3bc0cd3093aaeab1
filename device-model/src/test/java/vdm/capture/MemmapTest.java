package vdm.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.host.MemoryRegion;

/** /sys/firmware/memmap as Linux's drivers/firmware/memmap.c writes it: N/start, N/end (inclusive, hex), N/type. */
class MemmapTest {
    @TempDir
    Path root;

    private void entry(int n, String start, String end, String type) throws IOException {
        Path d = Files.createDirectories(root.resolve(Integer.toString(n)));
        Files.writeString(d.resolve("start"), start + "\n");
        Files.writeString(d.resolve("end"), end + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
    }

    @Test
    void entriesAreReadInAddressOrderWithLinuxsTypeNames() throws IOException {
        entry(0, "0x0", "0x9fbff", "System RAM");
        entry(2, "0x100000", "0x7fedffff", "System RAM");
        entry(1, "0x9fc00", "0x9ffff", "Reserved");
        entry(3, "0x7fee0000", "0x7fefefff", "ACPI Tables");
        entry(4, "0x7feff000", "0x7fefffff", "ACPI Non-volatile Storage");
        List<String> notes = new ArrayList<>();
        List<MemoryRegion> map = Memmap.read(root, notes);
        assertEquals(List.of(new MemoryRegion(0, 0x9fbff, MemoryRegion.Type.RAM), new MemoryRegion(0x9fc00, 0x9ffff, MemoryRegion.Type.RESERVED),
                new MemoryRegion(0x100000, 0x7fedffffL, MemoryRegion.Type.RAM), new MemoryRegion(0x7fee0000L, 0x7fefefffL, MemoryRegion.Type.ACPI),
                new MemoryRegion(0x7feff000L, 0x7fefffffL, MemoryRegion.Type.NVS)), map);
        assertEquals(List.of(), notes);
    }

    @Test
    void anUnknownTypeAndAnOverlapAreLeftOutAndSaid() throws IOException {
        entry(0, "0x0", "0x9ffff", "System RAM");
        entry(1, "0x9f000", "0xfffff", "Reserved");
        entry(2, "0x100000000", "0x17fffffff", "Soft Reserved");
        List<String> notes = new ArrayList<>();
        List<MemoryRegion> map = Memmap.read(root, notes);
        assertEquals(List.of(new MemoryRegion(0, 0x9ffff, MemoryRegion.Type.RAM)), map);
        assertTrue(notes.stream().anyMatch(n -> n.contains("'Soft Reserved' is not a memory map type")), notes::toString);
        assertTrue(notes.stream().anyMatch(n -> n.contains("[0x9f000, 0xfffff] reserved overlaps")), notes::toString);
    }

    @Test
    void noMemmapDirectoryMeansNoMapAndANote() {
        List<String> notes = new ArrayList<>();
        assertEquals(List.of(), Memmap.read(root.resolve("memmap"), notes));
        assertTrue(notes.getFirst().contains("has no memory map"), notes::toString);
    }
}
