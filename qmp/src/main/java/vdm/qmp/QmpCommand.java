package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One QMP command: a name, an argument schema (checked before the handler runs, and listed in docs), and a handler.
 * Commands that QEMU does not have are named with the {@code x-vdm-} prefix.
 *
 * <p>The handler returns the value of {@code "return"} (null means {@code {}}, as in QEMU's qmp_dispatch) or fails
 * with a {@link QmpError}, either by throwing it or by completing the stage with it. Any other exception is a bug:
 * it is logged and the client gets a GenericError.
 */
public interface QmpCommand {
    String name();

    /** One line for help texts and README. */
    String description();

    default ArgumentSchema arguments() { return ArgumentSchema.NONE; }

    default Execution execution() { return Execution.MODEL; }

    CompletionStage<? extends JsonNode> execute(CommandCall call) throws QmpError;

    /** A handler that answers at once. */
    @FunctionalInterface
    interface Handler {
        JsonNode handle(CommandCall call) throws QmpError;
    }

    /** A handler that answers later (the reply is sent when the stage completes). */
    @FunctionalInterface
    interface AsyncHandler {
        CompletionStage<? extends JsonNode> handle(CommandCall call) throws QmpError;
    }

    static QmpCommand of(String name, String description, ArgumentSchema args, Execution execution, Handler handler) {
        return new Simple(name, description, args, execution,
                call -> CompletableFuture.completedFuture(handler.handle(call)));
    }

    static QmpCommand async(String name, String description, ArgumentSchema args, Execution execution,
                            AsyncHandler handler) {
        return new Simple(name, description, args, execution, handler);
    }

    record Simple(String name, String description, ArgumentSchema arguments, Execution execution, AsyncHandler handler)
            implements QmpCommand {
        public Simple {
            CommandRegistry.checkName(name);
            java.util.Objects.requireNonNull(description, "description");
            java.util.Objects.requireNonNull(arguments, "arguments");
            java.util.Objects.requireNonNull(execution, "execution");
            java.util.Objects.requireNonNull(handler, "handler");
        }

        @Override
        public CompletionStage<? extends JsonNode> execute(CommandCall call) throws QmpError {
            return handler.handle(call);
        }
    }
}
