package vdm.qmp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The commands a server answers, by name. Register before or while serving; names are unique. Thread-safe.
 * {@link CoreCommands#registerAll} adds the ones every vdm server has (qmp_capabilities, query-version, ...).
 */
public final class CommandRegistry {
    // QAPI names: letters, digits, '-' and '_', starting with a letter (docs/devel/qapi-code-gen "Naming rules").
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

    private final Map<String, QmpCommand> commands = new LinkedHashMap<>();
    private volatile Map<String, QmpCommand> snapshot = Map.of();
    private volatile Introspected introspected;

    /** The schema and the snapshot it was generated from. */
    private record Introspected(Map<String, QmpCommand> from, ArrayNode schema) {}

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid QMP command name");
        }
    }

    /** A registry holding the core commands. */
    public static CommandRegistry withCoreCommands() {
        CommandRegistry r = new CommandRegistry();
        CoreCommands.registerAll(r);
        return r;
    }

    public synchronized CommandRegistry register(QmpCommand command) {
        checkName(command.name());
        if (commands.containsKey(command.name())) {
            throw new IllegalArgumentException("command '" + command.name() + "' is already registered");
        }
        commands.put(command.name(), command);
        snapshot = Collections.unmodifiableMap(new LinkedHashMap<>(commands));
        return this;
    }

    /** The command named {@code name}, or null. Lock-free: it runs once per request. */
    public QmpCommand find(String name) {
        return snapshot.get(name);
    }

    /**
     * query-qmp-schema's reply for the commands registered now ({@link QapiSchema}): generated once, again only after
     * a registration. The node is shared between replies: callers must not modify it.
     */
    public ArrayNode qapiSchema() {
        Map<String, QmpCommand> now = snapshot;
        Introspected i = introspected;
        if (i == null || i.from() != now) {
            i = new Introspected(now, QapiSchema.of(new ArrayList<>(now.values())));
            introspected = i;
        }
        return i.schema();
    }

    /** Every command, in registration order. */
    public List<QmpCommand> all() {
        return new ArrayList<>(snapshot.values());
    }
}
