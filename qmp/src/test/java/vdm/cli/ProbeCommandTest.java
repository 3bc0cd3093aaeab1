package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProbeCommandTest {
    private static final String BAR_SIZING = """
            # size every e1000 BAR and the ROM, as firmware does
            write 0x10 4 0xffffffff
            read 0x10 4
            write 0x14 4 0xffffffff
            read 0x14 4

            write 0x30 4 0xffffffff   # ROM, enable bit included
            read 0x30 4
            read 0 2
            read 2 2
            """;

    @ParameterizedTest
    @ValueSource(strings = {"compiled", "reference", "table", "COMPILED"})
    void barSizingOnE1000GivesTheSizeMasksInEveryEngine(String engine) {
        Cli r = Cli.withInput(BAR_SIZING, "probe", "e1000", "--engine", engine);
        assertEquals(0, r.exit(), r.err());
        assertEquals("0xfffe0000\n0xffffffc1\n0xfffc0001\n0x00008086\n0x0000100e\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void effectsNameWhatEachWriteChanged() {
        Cli r = Cli.withInput("""
                write 0x10 4 0xfebc0000
                write 0x04 2 0x0006
                write 0x04 2 0x0006
                write 0xa2 2 0x8000
                """, "probe", "e1000e", "--effects");
        assertEquals("BAR0\nCOMMAND_MEMORY|COMMAND_MASTER\nnone\nMSIX_ENABLE\n", r.out());
        assertEquals(0, r.exit());
    }

    @Test
    void writesPrintNothingWithoutEffectsAndDecimalNumbersWork() {
        Cli r = Cli.withInput("write 60 1 11\nread 60 1\n", "probe", "e1000");
        assertEquals("0x0000000b\n", r.out());
    }

    @Test
    void aBadLineNamesItsNumberAndTheRunGoesOnToExit1() {
        Cli r = Cli.withInput("""
                read 0 2
                frobnicate 1 2
                read 0x11 2
                write 0x3c 1 0x1ff
                read 0x1000 4
                read 0 3
                read zz 4
                write 0x3c 1
                read 2 2
                """, "probe", "e1000");
        assertEquals(1, r.exit());
        assertEquals("0x00008086\n0x0000100e\n", r.out(), "good lines before and after bad ones still run");
        assertEquals("""
                vdm probe: line 2: unknown command 'frobnicate' (expected read OFF SIZE or write OFF SIZE VALUE)
                vdm probe: line 3: bad config access at offset 0x11 size 2: offset not aligned to the size
                vdm probe: line 4: value 0x1ff does not fit 1 byte
                vdm probe: line 5: offset 0x1000 is beyond the 4096-byte configuration space (0..0xfff)
                vdm probe: line 6: size 3 must be 1, 2 or 4
                vdm probe: line 7: 'zz' is not a valid offset (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 8: 'write' takes 3 arguments (write OFF SIZE VALUE), got 2
                """, r.err());
    }

    @Test
    void numbersAreAsciiHexWith0xOrDecimalAndNothingElse() {
        // Long.parseLong took a sign and any Unicode digit: '+16' read offset 16, '0x-0' offset 0, Arabic-Indic '٤' size 4
        Cli r = Cli.withInput("read +16 2\nread 0x-0 2\nread 0 \u0664\nread 0x+0 2\nread -0 2\nread 0 4\u0660\nread 0x 2\n"
                + "write 0 2 0xffffffffffffffffff\nread 0x0 0x4\nread 00 2\n", "probe", "e1000");
        assertEquals(1, r.exit());
        assertEquals("0x100e8086\n0x00008086\n", r.out(), "the two well-formed lines still run");
        assertEquals("""
                vdm probe: line 1: '+16' is not a valid offset (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 2: '0x-0' is not a valid offset (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 3: '٤' is not a valid size (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 4: '0x+0' is not a valid offset (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 5: '-0' is not a valid offset (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 6: '4٠' is not a valid size (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 7: '0x' is not a valid offset (hex with 0x, or decimal, 0..0xffffffff)
                vdm probe: line 8: '0xffffffffffffffffff' is not a valid value (hex with 0x, or decimal, 0..0xffffffff)
                """, r.err());
    }

    @Test
    void qemuCompatModeMakesUnclaimedBytesScratch() {
        String script = "write 0x40 4 0x12345678\nread 0x40 4\n";
        assertEquals("0x00000000\n", Cli.withInput(script, "probe", "e1000").out());
        assertEquals("0x12345678\n", Cli.withInput(script, "probe", "e1000", "--qemu-compat").out());
    }

    @Test
    void anUnknownDeviceOrEngineExits2() {
        Cli device = Cli.withInput("read 0 4\n", "probe", "ne2000");
        assertEquals(2, device.exit());
        assertTrue(device.err().startsWith("vdm probe: unknown device 'ne2000'; known: e1000, e1000e"), device.err());
        assertEquals("", device.out());
        Cli engine = Cli.withInput("read 0 4\n", "probe", "e1000", "--engine", "fast");
        assertEquals(2, engine.exit());
        assertTrue(engine.err().contains("--engine"), engine.err());
    }
    @Test
    void anMsiEnableClampsMultipleMessageEnableToTheCapableCountAsQemu() {
        // QEMU 7.2's e1000e reads 0x0081e005 after this write (msi_write_config); without the reaction it was 0x00a1e005.
        Cli r = Cli.withInput("write 0xd0 4 0x642582df\nread 0xd0 4\n", "probe", "e1000e", "--qemu-compat");
        assertEquals("0x0081e005\n", r.out(), r.err());
    }

    @Test
    void anFlrRequestResetsTheFunction() {
        Cli r = Cli.withInput("""
                write 0x04 2 0x0006
                read 0x04 2
                write 0x88 2 0x8000
                read 0x04 2
                read 0x88 2
                """, "probe", "nvme", "--effects");
        assertEquals("COMMAND_MEMORY|COMMAND_MASTER\n0x00000006\nFLR|OTHER\n0x00000000\n0x00002810\n", r.out(), r.err());
    }

    @Test
    void theE1000eIsAnIntegratedEndpointOnTheRootBusInQemuCompatibleModeOnly() {
        String script = "read 0xe0 4\n";
        assertEquals("0x0091a010\n", Cli.withInput(script, "probe", "e1000e", "--qemu-compat").out(), "default: the root bus");
        assertEquals("0x0091a010\n", Cli.withInput(script, "probe", "e1000e", "--qemu-compat", "--on", "root-bus").out());
        assertEquals("0x0001a010\n", Cli.withInput(script, "probe", "e1000e", "--qemu-compat", "--on", "root-port").out());
        assertEquals("0x0001a010\n", Cli.withInput(script, "probe", "e1000e").out());
        assertEquals("0x0001a010\n", Cli.withInput(script, "probe", "e1000e", "--on", "root-port").out());
    }

    @Test
    void aBadPlacementOrOneTheCatalogCannotModelExits2() {
        Cli bad = Cli.withInput("read 0 4\n", "probe", "e1000e", "--on", "slot");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("'slot' is not a placement (expected root-bus or root-port)"), bad.err());
        Cli virtio = Cli.withInput("read 0 4\n", "probe", "virtio-net-pci", "--qemu-compat", "--on", "root-port");
        assertEquals(2, virtio.exit());
        assertTrue(virtio.err().startsWith("vdm probe: virtio-net-pci below a root port is not modelled"), virtio.err());
        assertEquals("", virtio.out());
    }
}
