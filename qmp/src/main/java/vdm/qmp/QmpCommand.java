package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
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

    /** The type of "return" (QAPI 'returns'): {@link ObjectType#EMPTY} for {@code {}}, {@code any} unless declared. */
    default ArgType returns() { return ArgType.ANY; }

    /** The events this command can cause, introspected beside it. */
    default List<QmpEventType> emits() { return List.of(); }

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

    static Simple of(String name, String description, ArgumentSchema args, Execution execution, Handler handler) {
        return new Simple(name, description, args, execution,
                call -> CompletableFuture.completedFuture(handler.handle(call)));
    }

    static Simple async(String name, String description, ArgumentSchema args, Execution execution,
                            AsyncHandler handler) {
        return new Simple(name, description, args, execution, handler);
    }

    record Simple(String name, String description, ArgumentSchema arguments, Execution execution, AsyncHandler handler,
                  ArgType returns, List<QmpEventType> emits) implements QmpCommand {
        public Simple {
            CommandRegistry.checkName(name);
            java.util.Objects.requireNonNull(description, "description");
            java.util.Objects.requireNonNull(arguments, "arguments");
            java.util.Objects.requireNonNull(execution, "execution");
            java.util.Objects.requireNonNull(handler, "handler");
            java.util.Objects.requireNonNull(returns, "returns");
            emits = List.copyOf(emits);
        }

        public Simple(String name, String description, ArgumentSchema arguments, Execution execution, AsyncHandler handler) {
            this(name, description, arguments, execution, handler, ArgType.ANY, List.of());
        }

        /** The same command, declaring the type of its "return". */
        public Simple returning(ArgType type) {
            return new Simple(name, description, arguments, execution, handler, type, emits);
        }

        /** The same command, declaring the events it causes. */
        public Simple emitting(QmpEventType... events) {
            return new Simple(name, description, arguments, execution, handler, returns, List.of(events));
        }

        @Override
        public CompletionStage<? extends JsonNode> execute(CommandCall call) throws QmpError {
            return handler.handle(call);
        }
    }
}
