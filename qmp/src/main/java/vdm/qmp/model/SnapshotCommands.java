package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import vdm.Vdm;
import vdm.errno.Errno;
import vdm.qmp.Arg;
import vdm.qmp.ArgType;
import vdm.qmp.ArgumentSchema;
import vdm.qmp.CommandCall;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Execution;
import vdm.qmp.QmpCommand;
import vdm.qmp.QmpError;
import vdm.persist.Snapshot;

/**
 * The whole model saved and loaded (vdm's snapshot document, to a file or inline). A load that fails leaves the
 * served model as it was; one that succeeds replaces it, device ids included (they are model state), and cancels
 * what the replaced model had pending (an unplug accepted there ejects nothing here). Files are only those of
 * {@code --state-dir} ({@link StateDir}); file I/O and the reading of a document run off the model thread, so a slow
 * disk or a large document holds no other client's command.
 */
final class SnapshotCommands {
    /** File I/O and document parsing: a thread per operation at once, none kept when idle. */
    private static final ExecutorService IO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "vdm-snapshot-io");
        t.setDaemon(true);
        return t;
    });

    private SnapshotCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.async("x-vdm-snapshot-save", "Saves the whole model: to a file in --state-dir, or returned as {snapshot}",
                ArgumentSchema.of(Arg.optional("file", ArgType.STRING, "a file name inside vdm serve's --state-dir (default: return the document)")),
                Execution.MODEL, call -> save(model, call)));
        registry.register(QmpCommand.async("x-vdm-snapshot-load", "Replaces the model with a saved one (a file in --state-dir or a {snapshot} object)",
                ArgumentSchema.of(Arg.optional("file", ArgType.STRING, "a document written by x-vdm-snapshot-save, inside --state-dir"),
                        Arg.optional("snapshot", ArgType.OBJECT, "the document itself")),
                Execution.MODEL, call -> load(model, call)));
    }

    /** The state directory for a file argument; without --state-dir, file arguments are refused. */
    private static StateDir dir(Model model) throws QmpError {
        return model.stateDir().orElseThrow(() -> QmpError.generic(
                "file arguments are disabled: vdm serve was started without --state-dir (give 'snapshot' inline, or restart with --state-dir DIR)"));
    }

    private static CompletableFuture<JsonNode> save(Model model, CommandCall call) throws QmpError {
        Optional<String> file = call.arguments().optionalString("file");
        StateDir dir = file.isPresent() ? dir(model) : null;
        String doc = Snapshot.save(model.vdm()); // the model's state, on the model thread
        if (file.isPresent()) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    dir.write(file.get(), doc);
                    return null;
                } catch (QmpError e) {
                    throw new CompletionException(e);
                }
            }, IO);
        }
        try {
            return CompletableFuture.completedFuture(PassthroughCommands.JSON.objectNode().set("snapshot", new ObjectMapper().readTree(doc)));
        } catch (IOException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    private static CompletableFuture<JsonNode> load(Model model, CommandCall call) throws QmpError {
        Optional<String> file = call.arguments().optionalString("file");
        boolean inline = call.arguments().has("snapshot");
        if (file.isPresent() == inline) throw QmpError.generic("give exactly one of 'file' and 'snapshot'");
        StateDir dir = file.isPresent() ? dir(model) : null;
        String given = inline ? call.arguments().get("snapshot").toString() : null;
        return CompletableFuture.supplyAsync(() -> {
            try {
                String doc = dir != null ? dir.read(file.get()) : given;
                return loaded(doc);
            } catch (QmpError e) {
                throw new CompletionException(e);
            }
        }, IO).thenApplyAsync(loaded -> {
            model.replace(loaded);
            return (JsonNode) null;
        }, call.server().modelExecutor()).exceptionally(SnapshotCommands::stopping);
    }

    /** A failure as it was, except the model executor's refusal once the server stops, which the client hears as such. */
    private static JsonNode stopping(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof java.util.concurrent.RejectedExecutionException) throw new CompletionException(QmpError.generic("The server is shutting down"));
        throw t instanceof CompletionException c ? c : new CompletionException(t);
    }

    /** A fresh model from the document (the running one is not touched), or the refusal saying why. */
    private static Vdm loaded(String doc) throws QmpError {
        try {
            return Vdm.load(doc);
        } catch (IllegalArgumentException e) {
            throw ModelRefusal.of("snapshot load", -Errno.EINVAL, e.getMessage());
        }
    }
}
