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

    private static final String INFO_LIST = "info irq  -- show the interrupts statistics (if available)\r\n"
            + "info pci  -- show PCI info\r\n"
            + "info pic  -- show PIC state\r\n";

    @ParameterizedTest
    @ValueSource(strings = {"help", "?", "? ", "help\t", " help ", "help  \r\n"})
    void helpAloneListsEveryCommandVdmHasWithQemusLines(String line) {
        // QEMU 7.2 prints 11,212 characters here; these are its lines for the two commands vdm has, in its order
        assertEquals("help|? [cmd] -- show the help\r\n"
                + "info [subcommand] -- show various information about the system state\r\n", run(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"help info", "? info", "help   info  ", "help \"info\""})
    void helpInfoListsTheInfoSubcommandsAsInfoAloneDoes(String line) {
        assertEquals(INFO_LIST, run(line));
        assertEquals(INFO_LIST, run("info"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', quoteCharacter = '\'', value = {
            "help info pci#info pci  -- show PCI info",
            "help  info   pci#info pci  -- show PCI info",
            "help info pci x#info pci  -- show PCI info",
            "help info pci extra more#info pci  -- show PCI info",
            "help \"info\" \"pci\"#info pci  -- show PCI info",
            "help \"info\"pci#info pci  -- show PCI info",
            "help info pci \"\"#info pci  -- show PCI info",
            "help info irq#info irq  -- show the interrupts statistics (if available)",
            "help info pic#info pic  -- show PIC state",
            "help help#help|? [cmd] -- show the help",
            "help ?#help|? [cmd] -- show the help",
            "help nope#unknown command: 'nope'",
            "help info nope#unknown command: 'info nope'",
            "help info/pci#unknown command: 'info/pci'",
            "help/info#unknown command: '/info'",
            "help info pci/x#unknown command: 'info pci/x'",
            "help \"info pci\"#unknown command: 'info pci'",
            "help \"in\\\"fo\"#unknown command: 'in\"fo'",
            "help info \"p\"ci#unknown command: 'info p'",
            "help \"\" info#unknown command: ''",
            "help \"\"#unknown command: ''",
            "help inf#unknown command: 'inf'",
            "??#unknown command: '??'",
            "help?#unknown command: 'help?'",
    })
    void helpWalksTheTableWordByWordAsQemuDoes(String line, String printed) {
        assertEquals(printed + "\r\n", run(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"help \"inf", "help info \"pci", "help \"i\\x\"", "help \"i\\",
            "help info info info info info info info info info info info info info info info info info"})
    void aLineParseCmdlineRefusesPrintsNothingOnTheMonitor(String line) {
        // QEMU prints "unterminated string", "unsupported escape code" on its own stdout; the monitor gets nothing
        assertEquals("", run(line));
    }

    @Test
    void sixteenWordsAreTheLimitAndEachWordIsCutTo1023Bytes() {
        assertEquals("unknown command: 'info info'\r\n", run("help" + " info".repeat(16)));
        assertEquals("unknown command: '" + "i".repeat(1023) + "'\r\n", run("help " + "i".repeat(1100)));
        // a cut through a two-byte character leaves its lead byte, which goes out as U+FFFD
        assertEquals("unknown command: '" + "i".repeat(1022) + "\ufffd'\r\n", run("help " + "i".repeat(1022) + "\u00e9"));
    }

    @Test
    void everyNewlineTheMonitorPrintsGoesOutAsCrLfAQuotedOneIncluded() {
        assertEquals("unknown command: 'i\r\nfo'\r\n", run("help \"i\\nfo\""));
        assertEquals("pci: extraneous characters at the end of line\r\nTry \"help info\r\npci\" for more information\r\n",
                run("info\npci x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"info\u0000pci", "info pci\u0000x", "\u0000", "help\u0000info"})
    void aNulIsAnOrdinaryCharacterOfTheLine(String line) {
        // QEMU's parser keeps \u0000 as the two bytes C0 80, so it is neither a space nor the line's end
        assertEquals("unknown command: '" + line + "'\r\n", run(line));
        assertEquals("unknown command: 'info \u0001'\r\n", run("help info \u0001"));
        assertEquals("unknown command: '\u00a0'\r\n", run("help \u00a0"));
    }
}
