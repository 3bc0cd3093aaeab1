package vdm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Endpoint;
import vdm.model.Preset;
import vdm.qmp.QmpServer;
import vdm.qmp.model.LibxlSockets;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;

/** {@code vdm serve}: boots the model and serves QMP until {@code quit}, SIGINT or SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Boot the model (a host, Xen, a PVH dom0) and serve QMP until 'quit', SIGINT or SIGTERM.",
                "Prints one line per listening address: vdm: QMP listening on ADDRESS"})
public final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "FILE", description = "host description (JSON, docs/host-json.md); default: the built-in host")
    Path hostFile;

    @Option(names = "--preset", paramLabel = "P", defaultValue = "upstream",
            description = "behaviour preset: broken, series-v4 or upstream (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--qmp", paramLabel = "ADDR",
            description = "unix:PATH or tcp:HOST:PORT (repeatable; default: unix:./vdm-qmp.sock; tcp:PORT is loopback)")
    List<String> qmp = new ArrayList<>();

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "64",
            description = "connections served at once; more are refused with a QMP error (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--libxl-dir", paramLabel = "DIR",
            description = "also serve each HVM guest's own QMP socket DIR/qmp-libxl-<domid>, as libxl expects one QEMU per domain")
    Path libxlDir;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "the only directory x-vdm-snapshot-save/load may use for 'file' (no link, no '..' out of it); without it, file arguments are refused")
    Path stateDir;

    @Option(names = {"-v", "--verbose"}, description = "log every QMP command (DEBUG)")
    boolean verbose;

    @Mixin
    FixOptions fixes;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (fixes.listed(out)) return 0;
        if (verbose) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("vdm")).setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
        Preset p;
        List<Endpoint> endpoints = new ArrayList<>();
        try {
            p = Preset.of(preset);
            for (String a : qmp.isEmpty() ? List.of("unix:./vdm-qmp.sock") : qmp) endpoints.add(Endpoint.parse(a, false));
            if (maxConnections < 1) throw new IllegalArgumentException("--max-connections must be at least 1");
            if (libxlDir != null) PathArgs.directory("--libxl-dir", libxlDir);
            if (hostFile != null) PathArgs.readableFile("--host", hostFile);
        } catch (IllegalArgumentException e) {
            err.println("vdm serve: " + e.getMessage());
            return 2;
        }
        Model model;
        try {
            model = new Model(hostFile, p, fixes.apply(p.fixes()));
        } catch (IllegalArgumentException e) { // a bad host description: a usage error, as in scenario and explore
            err.println("vdm serve: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("vdm serve: cannot build the model: " + e.getMessage());
            return 1;
        }
        try {
            model.stateDir(stateDir);
        } catch (IOException e) {
            err.println("vdm serve: --state-dir " + stateDir + ": " + (e instanceof java.nio.file.NoSuchFileException ? "No such file or directory" : e.getMessage()));
            return 2;
        }
        log.info("model: {}, preset {}{} ({}), PVH dom0 booted", hostFile == null ? "the default host" : hostFile, p.label(), fixes.suffix(),
                model.vdm().fixes());
        QmpServer server;
        try {
            server = QmpServer.start(commands(model), QmpServer.Config.DEFAULTS.withMaxConnections(maxConnections),
                    endpoints);
        } catch (IOException e) {
            err.println("vdm serve: " + e.getMessage());
            return 1;
        }
        LibxlSockets libxl = null;
        if (libxlDir != null) {
            try {
                libxl = LibxlSockets.open(server, model, libxlDir);
            } catch (IOException e) {
                err.println("vdm serve: " + e.getMessage());
                server.stop().join();
                return 1;
            }
        }
        Thread hook = new Thread(() -> {
            log.info("signal received: stopping");
            try {
                server.stop().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // exiting anyway
            }
        }, "vdm-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (Endpoint e : server.endpoints()) out.println("vdm: QMP listening on " + e);
        if (libxl != null) out.println("vdm: guests' QMP sockets in " + libxlDir.toAbsolutePath().normalize() + "/" + LibxlSockets.PREFIX + "<domid>");
        out.flush();
        server.terminated().join();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what stopped us
        }
        log.info("QMP server stopped");
        return 0;
    }

    /** The commands {@code vdm serve} answers: QMP's core set and the passthrough commands over {@code model}. */
    static CommandRegistry commands(Model model) {
        CommandRegistry registry = CommandRegistry.withCoreCommands();
        PassthroughCommands.register(registry, model);
        return registry;
    }
}
