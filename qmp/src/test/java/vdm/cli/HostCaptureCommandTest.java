package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.persist.HostJsonReader;

class HostCaptureCommandTest {
    @Test
    void aFailedCaptureNamesTheFileAndWritesNothing(@TempDir Path dir) throws Exception {
        Path sysfs = Files.createDirectories(dir.resolve("devices"));
        Path acpi = Files.createDirectories(dir.resolve("tables"));
        Files.write(acpi.resolve("APIC"), new byte[20]);
        Path out = dir.resolve("host.json");
        Cli r = Cli.run("host", "capture", "--out", out.toString(), "--sysfs", sysfs.toString(), "--acpi", acpi.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("APIC: 20 bytes is shorter than the 36-byte ACPI table header: truncated"), r.err());
        assertFalse(Files.exists(out));
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "no temporary file is left behind");
        }
    }

    @Test
    void thisMachineIsWrittenAndReadsBack(@TempDir Path dir) {
        assumeTrue(Files.isReadable(Path.of("/sys/firmware/acpi/tables/APIC")),
                "skipped: /sys/firmware/acpi/tables/APIC is missing or unreadable (no ACPI, or not root)");
        Path out = dir.resolve("host.json");
        Cli r = Cli.run("host", "capture", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().startsWith("wrote " + out.toAbsolutePath()), r.err());
        assertTrue(r.err().contains("_PRT entries: "), r.err());
        assertFalse(HostJsonReader.read(out).madt().ioApics().isEmpty());
    }
}
