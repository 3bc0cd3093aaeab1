package vdm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vdm host ...}: commands about host descriptions. */
@Command(name = "host", mixinStandardHelpOptions = true, description = "Works with host descriptions (docs/host-json.md).",
        subcommands = HostCaptureCommand.class)
final class HostCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is missing (capture)");
    }
}
