package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.io.InputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Help texts as a user sees them, from a real {@code vdm} process: picocli reports a description it cannot format
 * on the process's stderr (not the command's err writer, so the in-process runner cannot see it).
 */
class HelpTextTest {
    private record Run(int exit, String out, String err) {}

    private static Run vdm(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("vdm-help", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "vdm " + String.join(" ", args) + " did not exit");
            return new Run(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** "--help" and "SUBCOMMAND --help" for every subcommand the command line has, so a new one is covered too. */
    static Stream<String> everyHelp() {
        Stream<String> sub = Main.commandLine(InputStream.nullInputStream()).getSubcommands().keySet().stream()
                .filter(name -> !name.equals("help")).map(name -> name + " --help");
        return Stream.concat(Stream.of("--help", "help"), sub);
    }

    @Test
    void everySubcommandIsAsked() {
        assertTrue(everyHelp().toList().containsAll(List.of("probe --help", "dump --help", "serve --help", "qmp --help",
                "scenario --help", "explore --help")), everyHelp().toList().toString());
    }

    @ParameterizedTest
    @MethodSource("everyHelp")
    void helpPrintsNoPicocliWarning(String args) throws Exception {
        Run r = vdm(args.split(" "));
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.err().contains("WARN"), r.err());
        assertFalse(r.out().contains("WARN"), r.out());
        assertTrue(r.out().startsWith("Usage: vdm"), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"probe --help"})
    void probeHelpShowsTheOutputFormatLiterally(String args) throws Exception {
        assertTrue(vdm(args.split(" ")).out().contains("prints the value as 0x%08x"));
    }

    /** Each subcommand's summary, its description's first line as the command list shows it, is a whole sentence. */
    @Test
    void theCommandListShowsEachSummaryAsAWholeSentence() {
        var root = Main.commandLine(InputStream.nullInputStream());
        checkSummaries(root, Cli.run("--help").out());
        checkSummaries(root.getSubcommands().get("host"), Cli.run("host", "--help").out());
    }

    private static void checkSummaries(picocli.CommandLine parent, String help) {
        String flat = help.replaceAll("\\s+", " ");
        parent.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) return;
            String[] d = sub.getCommandSpec().usageMessage().description();
            String summary = d.length == 0 ? "" : d[0];
            assertTrue(summary.matches("[A-Z].*[.]"), name + ": '" + summary + "' is not a whole sentence");
            assertTrue(flat.contains(name + " " + summary.replaceAll("\\s+", " ")), name + ": not listed whole in\n" + help);
        });
    }
}
