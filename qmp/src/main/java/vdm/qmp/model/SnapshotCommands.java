package vdm.qmp.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
 * served model as it was; one that succeeds replaces it, device ids included (they are model state).
 */
final class SnapshotCommands {
    private SnapshotCommands() {}

    static void register(CommandRegistry registry, Model model) {
        registry.register(QmpCommand.of("x-vdm-snapshot-save", "Saves the whole model: to a file, or returned as {snapshot}",
                ArgumentSchema.of(Arg.optional("file", ArgType.STRING, "where to write the document (default: return it)")),
                Execution.MODEL, call -> save(model, call)));
        registry.register(QmpCommand.of("x-vdm-snapshot-load", "Replaces the model with a saved one (a file or a {snapshot} object)",
                ArgumentSchema.of(Arg.optional("file", ArgType.STRING, "a document written by x-vdm-snapshot-save"),
                        Arg.optional("snapshot", ArgType.OBJECT, "the document itself")),
                Execution.MODEL, call -> load(model, call)));
    }

    private static JsonNode save(Model model, CommandCall call) throws QmpError {
        String doc = Snapshot.save(model.vdm());
        Optional<String> file = call.arguments().optionalString("file");
        if (file.isPresent()) {
            try {
                Files.writeString(Path.of(file.get()), doc);
            } catch (IOException | RuntimeException e) {
                throw QmpError.generic("cannot write '" + file.get() + "': " + e.getMessage());
            }
            return null;
        }
        try {
            return PassthroughCommands.JSON.objectNode().set("snapshot", new ObjectMapper().readTree(doc));
        } catch (IOException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    private static JsonNode load(Model model, CommandCall call) throws QmpError {
        Optional<String> file = call.arguments().optionalString("file");
        boolean inline = call.arguments().has("snapshot");
        if (file.isPresent() == inline) throw QmpError.generic("give exactly one of 'file' and 'snapshot'");
        String doc;
        try {
            doc = file.isPresent() ? Files.readString(Path.of(file.get())) : call.arguments().get("snapshot").toString();
        } catch (IOException | RuntimeException e) {
            throw QmpError.generic("cannot read '" + file.orElse("") + "': " + e.getMessage());
        }
        Vdm loaded;
        try {
            loaded = Vdm.load(doc);
        } catch (IllegalArgumentException e) {
            throw ModelRefusal.of("snapshot load", -Errno.EINVAL, e.getMessage()); // the running model is untouched
        }
        model.replace(loaded);
        return null;
    }
}
