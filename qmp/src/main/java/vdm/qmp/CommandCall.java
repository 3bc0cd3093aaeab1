package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a handler gets: its validated arguments, the client that asked, the event bus, and the server (to stop it,
 * or to run follow-up work on its model executor).
 */
public final class CommandCall {
    private final String command;
    private final Arguments arguments;
    private final JsonNode id;
    private final QmpClient client;
    private final QmpServer server;
    private final QmpEvents events;
    private final CommandRegistry registry;
    private Runnable afterReply;

    CommandCall(String command, Arguments arguments, JsonNode id, QmpClient client, QmpServer server, QmpEvents events,
                CommandRegistry registry) {
        this.command = command;
        this.arguments = arguments;
        this.id = id;
        this.client = client;
        this.server = server;
        this.events = events;
        this.registry = registry;
    }

    public String command() { return command; }

    public Arguments arguments() { return arguments; }

    /** The request's "id" member, or null. */
    public JsonNode id() { return id; }

    public QmpClient client() { return client; }

    /** The event bus of the endpoint the client came in on (the main one, or a {@link QmpServer#listen} listener's). */
    public QmpEvents events() { return events; }

    /** The command table the request was looked up in (query-commands and query-qmp-schema answer from it). */
    public CommandRegistry registry() { return registry; }

    public QmpServer server() { return server; }

    /** Runs {@code action} once this command's reply has been written to the client (quit uses it to stop). */
    public synchronized void afterReply(Runnable action) {
        Runnable previous = afterReply;
        afterReply = previous == null ? action : () -> { previous.run(); action.run(); };
    }

    synchronized Runnable takeAfterReply() {
        Runnable r = afterReply;
        afterReply = null;
        return r;
    }
}
