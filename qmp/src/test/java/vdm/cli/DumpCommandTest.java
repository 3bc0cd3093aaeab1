package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.Sbdf;
import vdm.pci.dump.DumpedFunction;
import vdm.pci.dump.LspciDump;
import vdm.pci.engine.Engine;

class DumpCommandTest {
    @Test
    void dumpPrintsThePowerOnSpaceAsLspciXxxAt0003() {
        Cli r = Cli.run("dump", "e1000");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("00:03.0 Ethernet controller: Device 8086:100e (rev 03)\n"
                + "00: 86 80 0e 10 00 00 00 00 03 00 00 02 00 00 00 00\n"), r.out());
        DumpedFunction f = LspciDump.parse(r.out(), new Sbdf(0, 3, 0));
        assertArrayEquals(Engine.REFERENCE.create(DeviceCatalog.layout("e1000")).bytes(), f.bytes());
        assertEquals("", r.err());
    }

    @Test
    void everyDevicePrints256BytesByDefaultAndItsWholeSpaceWithExtended() {
        for (String name : DeviceCatalog.names()) {
            byte[] all = Engine.REFERENCE.create(DeviceCatalog.layout(name, Mode.QEMU_COMPAT)).bytes();
            Cli plain = Cli.run("dump", name, "--qemu-compat");
            assertArrayEquals(Arrays.copyOf(all, 256), LspciDump.parse(plain.out()).getFirst().bytes(), name);
            Cli extended = Cli.run("dump", "-x", name, "--qemu-compat");
            assertArrayEquals(all, LspciDump.parse(extended.out()).getFirst().bytes(), name + " -x");
        }
        assertEquals(4096, LspciDump.parse(Cli.run("dump", "gpu", "--extended").out()).getFirst().length());
    }

    @Test
    void bdfOptionSetsTheAddressAndABadOneIsAUsageError() {
        Cli r = Cli.run("dump", "nvme", "--bdf", "0001:3b:00.1");
        assertTrue(r.out().startsWith("0001:3b:00.1 Non-Volatile memory controller: Device 1b36:0010 (rev 02)\n"), r.out());
        Cli bad = Cli.run("dump", "nvme", "--bdf", "3b:00");
        assertEquals(2, bad.exit());
        assertEquals("vdm dump: --bdf: '3b:00' is not a PCI address of the form BB:DD.F or DDDD:BB:DD.F\n", bad.err());
        assertEquals("", bad.out());
    }

    @Test
    void anUnknownDeviceListsTheKnownOnesAndExits2() {
        Cli r = Cli.run("dump", "rtl8139");
        assertEquals(2, r.exit());
        assertEquals("vdm dump: unknown device 'rtl8139'; known: " + String.join(", ", DeviceCatalog.names()) + "\n", r.err());
    }

    @Test
    void versionHelpAndAMissingSubcommand() {
        Cli version = Cli.run("--version");
        assertEquals(0, version.exit());
        assertEquals("vdm 0.1.0\n", version.out());
        Cli help = Cli.run("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("dump") && help.out().contains("probe"), help.out());
        Cli dumpHelp = Cli.run("dump", "--help");
        assertTrue(dumpHelp.out().replaceAll("\\s+", " ").contains("Catalog device: " + String.join(", ", DeviceCatalog.names())),
                dumpHelp.out());
        Cli none = Cli.run();
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("a subcommand is missing"), none.err());
    }
}
