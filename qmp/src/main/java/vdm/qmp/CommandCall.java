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
    private Runnable afterReply;

    CommandCall(String command, Arguments arguments, JsonNode id, QmpClient client, QmpServer server) {
        this.command = command;
        this.arguments = arguments;
        this.id = id;
        this.client = client;
        this.server = server;
    }

    public String command() { return command; }

    public Arguments arguments() { return arguments; }

    /** The request's "id" member, or null. */
    public JsonNode id() { return id; }

    public QmpClient client() { return client; }

    public QmpEvents events() { return server.events(); }

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
