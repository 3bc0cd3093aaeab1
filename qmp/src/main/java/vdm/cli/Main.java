package vdm.cli;

import java.io.InputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code vdm} command: a thin shell over the library; each subcommand is its own class. */
@Command(name = "vdm", mixinStandardHelpOptions = true, version = "vdm 0.1.0",
        description = "A virtual device model of PCI passthrough.",
        subcommands = CommandLine.HelpCommand.class)
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(System.in).execute(args));
    }

    /** The command tree, reading probe scripts from {@code in} (tests pass their own stream). */
    public static CommandLine commandLine(InputStream in) {
        return new CommandLine(new Main())
                .addSubcommand(new DumpCommand())
                .addSubcommand(new ProbeCommand(in))
                .addSubcommand(new ServeCommand())
                .addSubcommand(new QmpShellCommand(in))
                .addSubcommand(new ScenarioCommand())
                .addSubcommand(new ExploreCommand())
                .addSubcommand(new ReplayCommand())
                .addSubcommand(new HostCommand())
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is missing (dump, probe, serve, qmp, scenario, explore, replay, host or help)");
    }
}
