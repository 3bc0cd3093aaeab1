package vdm.qmp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import vdm.Vdm;

/** human-monitor-command's lines; every expected text is what QEMU 7.2 (qemu-system-x86_64 -machine pc) answered. */
class HmpTest {
    private static Vdm model;

    @BeforeAll
    static void boot() {
        model = Vdm.defaultHost().build();
    }

    private static String run(String line) {
        return Hmp.run(model, line);
    }

    @Test
    void infoAloneListsTheInfoSubcommandsVdmHasInQemusFormat() {
        // QEMU 7.2 lists 67 of them; these are its lines for the three vdm has, in its (sorted) order
        String expected = "info irq  -- show the interrupts statistics (if available)\r\n"
                + "info pci  -- show PCI info\r\n"
                + "info pic  -- show PIC state\r\n";
        assertEquals(expected, run("info"));
        assertEquals(expected, run(" info "));
        assertEquals(expected, run("info  "));
        assertEquals(expected, run("info\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t", " \r\n "})
    void aBlankLinePrintsNothing(String line) {
        assertEquals("", run(line));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', emptyValue = "", value = {
            "info nope|info nope",
            "info  nope  |info  nope",
            "  info nope|  info nope",
            "info PCI|info PCI",
            "info p|info p",
            "info pcix|info pcix",
            "info 123|info 123",
            "info -h|info -h",
            "info pci,|info pci,",
            "INFO pci|INFO",
            "nope|nope",
            "nope x|nope",
            "  nope  |  nope",
            "nope/x|nope",
            "info/pci|info",
            "info/|info",
            "/info|\"\"",
    })
    void anUnknownNameQuotesTheLineUpToWhereTheNameEnds(String line, String quoted) {
        assertEquals("unknown command: '" + quoted + "'\r\n", run(line));
    }

    @Test
    void controlCharactersAndNoBreakSpacesAreNotSpaces() {
        assertEquals("unknown command: 'info\u0001'\r\n", run("info\u0001"));
        assertEquals("unknown command: '\u0001'\r\n", run("\u0001"));
        assertEquals("unknown command: 'info pci\u00a0'\r\n", run("info pci\u00a0"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "info pci x|pci|info pci",
            "info pci x y|pci|info pci",
            "info pci # x|pci|info pci",
            "info pci/x|pci|info pci",
            "info pci/|pci|info pci",
            "'  info   pci x'|pci|'  info   pci'",
            "info pic extra|pic|info pic",
            "info pic/|pic|info pic",
            "info irq x|irq|info irq",
    })
    void textAfterASubcommandIsRefusedPointingToItsHelp(String line, String sub, String help) {
        assertEquals(sub + ": extraneous characters at the end of line\r\nTry \"help " + help + "\" for more information\r\n", run(line));
    }

    @Test
    void theHelpPointerKeepsTheLinesOwnSpacesBeforeTheSubcommand() {
        assertEquals("pci: extraneous characters at the end of line\r\nTry \"help  \t info \u000b pci\" for more information\r\n",
                run(" \t info \u000b pci \f x "));
        assertEquals("irq: extraneous characters at the end of line\r\nTry \"help info irq\" for more information\r\n", run("info irq\ty"));
    }

    @Test
    void spacesAroundAndBetweenTheWordsAreAllowed() {
        String pci = run("info pci");
        assertTrue(pci.startsWith("  Bus  0, device   0, function 0:\r\n"), pci);
        assertEquals(pci, run("info pci  "));
        assertEquals(pci, run("  info   pci"));
        assertEquals(pci, run("\tinfo\tpci\t"));
        assertEquals(run("info pic"), run("info pic\r\n"));
    }
}
