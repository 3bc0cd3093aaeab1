package vdm.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.Vdm;
import vdm.host.FunctionDescriptor;
import vdm.host.HostDescription;
import vdm.model.Preset;
import vdm.persist.HostJsonReader;
import vdm.persist.HostJsonWriter;
import vdm.scenario.Scenario;

/** Captures the machine the test runs on, loads the file back, boots the model on it and runs the scenario. */
class RealMachineCaptureTest {
    @Test
    void theMachineThisRunsOnIsCapturedLoadedBootedAndEveryEndpointPassesTheScenario(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isReadable(HostCapture.ACPI.resolve("APIC")),
                "skipped: " + HostCapture.ACPI + "/APIC is missing or unreadable (no ACPI, or not root)");
        assumeTrue(Files.isDirectory(HostCapture.SYSFS), "skipped: " + HostCapture.SYSFS + " does not exist");
        Capture c = HostCapture.capture(HostCapture.SYSFS, HostCapture.ACPI);
        assertFalse(c.description().madt().ioApics().isEmpty());

        Path file = dir.resolve("host.json");
        Files.writeString(file, HostJsonWriter.toJson(c.description()));
        HostDescription loaded = HostJsonReader.read(file);
        assertEquals(c.description(), loaded, "the written file reads back as the captured description");

        List<String> failed = new ArrayList<>();
        int endpoints = 0;
        for (FunctionDescriptor f : loaded.functions()) {
            int classCode = f.source().resolve(vdm.pci.catalog.Placement.ROOT_BUS).layout().initialBytes()[0x0b] & 0xff;
            if (classCode == 0x06) continue; // host and other bridges are not passed through
            endpoints++;
            Scenario.Result r = Scenario.run(Vdm.host(loaded).preset(Preset.UPSTREAM), f.sbdf(), "captured " + f.sbdf());
            if (!r.passed()) failed.add(r.render());
        }
        assertTrue(endpoints > 0 || loaded.functions().isEmpty(), "some endpoint was captured");
        assertTrue(failed.isEmpty(), () -> String.join("\n", failed) + "\n" + c.report().render());
    }
}
