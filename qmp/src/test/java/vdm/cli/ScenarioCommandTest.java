package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScenarioCommandTest {
    @Test
    void upstreamPassesAndPrintsAlignedStepsEndingWithASummary() {
        Cli r = Cli.run("scenario", "--preset", "upstream", "--device", "0000:00:03.0");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("ok    guest-interrupt     INTx on GSI 28 reached the guest on vector 0x51"), r.out());
        assertTrue(r.out().strip().endsWith("8 steps, 0 failed"), r.out());
    }

    @Test
    void brokenFailsWithTheRealMessagesAndExitsOne() {
        Cli r = Cli.run("scenario", "--preset", "broken", "--device", "0000:00:03.0");
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("FAIL  pci-attach"), r.out());
        assertTrue(r.out().contains("libxl     Domain 1:xc_physdev_map_pirq irq=17 (error=-1): Function not implemented"), r.out());
    }

    @Test
    void jsonPrintsOneObjectPerLineAndBadArgumentsExitTwo() {
        Cli r = Cli.run("scenario", "--preset", "series-v4", "--device", "0000:01:00.0", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().allMatch(l -> l.startsWith("{\"") && l.endsWith("}")), r.out());
        Cli bad = Cli.run("scenario", "--preset", "nope");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown preset 'nope'; known: broken, series-v4, upstream"), bad.err());
        assertEquals(2, Cli.run("scenario", "--device", "00:1f.7").exit());
    }

    @Test
    void withoutADeviceTheBuiltInHostsFirstAssignableEndpointRunsAndTheTraceSaysWhy() {
        Cli r = Cli.run("scenario", "--preset", "upstream");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("vdm scenario: upstream (PVH dom0), device 0000:00:02.0"), r.out());
        assertTrue(r.out().contains("device 0000:00:02.0 (gpu), the host's first assignable endpoint in SBDF order"), r.out());
    }

    @Test
    void withoutADeviceAHostFileRunsOnItsFirstAssignableEndpoint() {
        // WideHost's 00:00.0 is a host bridge and 00:01.0 a root port (type 1): the e1000e at 00:02.0 is the first endpoint.
        Cli r = Cli.run("scenario", "--preset", "upstream", "--host", examples().resolve("wide-host.json").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("device 0000:00:02.0 (e1000e), the host's first assignable endpoint in SBDF order"), r.out());
        assertTrue(r.out().contains("INTx on GSI 16 reached the guest"), r.out());
        Cli named = Cli.run("scenario", "--preset", "upstream", "--host", examples().resolve("wide-host.json").toString(), "--device", "0000:01:00.0");
        assertTrue(named.out().contains("device 0000:01:00.0"), named.out());
        assertTrue(!named.out().contains("first assignable endpoint"), "a named device needs no reason: " + named.out());
    }

    @Test
    void interruptChoosesThePathAndAPathTheDeviceLacksExitsTwo() {
        // The e1000e has an INTx pin, MSI and MSI-X: each path is a choice (issue 13).
        Cli msix = Cli.run("scenario", "--preset", "upstream", "--device", "0000:00:03.0", "--interrupt", "msix");
        assertEquals(0, msix.exit(), msix.out() + msix.err());
        assertTrue(msix.out().contains("ok    guest-interrupt     MSI-X table at guest 0x"), msix.out());
        assertTrue(msix.out().contains("keeps no pirq, binding, permission or mapping"), msix.out());
        Cli msi = Cli.run("scenario", "--preset", "upstream", "--device", "0000:00:03.0", "--interrupt", "msi");
        assertEquals(0, msi.exit(), msi.out() + msi.err());
        assertTrue(msi.out().contains("ok    guest-interrupt     MSI reached the guest on vector 0x61, destination 0"), msi.out());
        Cli none = Cli.run("scenario", "--preset", "upstream", "--device", "0000:00:04.0", "--interrupt", "intx");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("vdm scenario: --interrupt intx: 0000:00:04.0 (accelerator) has no INTx pin (Interrupt Pin reads 0)"), none.err());
        Cli bad = Cli.run("scenario", "--interrupt", "msi-x");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown interrupt path 'msi-x'; known: intx, msi, msix"), bad.err());
    }

    static java.nio.file.Path examples() {
        for (java.nio.file.Path p = java.nio.file.Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (java.nio.file.Files.isDirectory(p.resolve("docs/examples"))) return p.resolve("docs/examples");
        }
        throw new IllegalStateException("no docs/examples above " + java.nio.file.Path.of("").toAbsolutePath());
    }
}
