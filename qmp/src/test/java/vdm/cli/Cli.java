package vdm.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the vdm command in-process with the given stdin, capturing its exit code, stdout and stderr. */
record Cli(int exit, String out, String err) {
    static Cli withInput(String stdin, String... args) {
        CommandLine cl = Main.commandLine(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    static Cli run(String... args) {
        return withInput("", args);
    }
}
