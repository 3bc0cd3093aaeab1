package vdm.qmp;

import java.util.Objects;

/** A QMP event a command can cause: its name and the type of its "data" (introspected as SchemaInfoEvent). */
public record QmpEventType(String name, ObjectType data) {
    public QmpEventType {
        CommandRegistry.checkName(name);
        Objects.requireNonNull(data, "data");
    }
}
