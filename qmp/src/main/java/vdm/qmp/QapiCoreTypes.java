package vdm.qmp;

import static vdm.qmp.Arg.member;
import static vdm.qmp.Arg.optionalMember;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The QAPI types of the core commands' replies and events, as QEMU 7.2 declares them (qapi/control.json,
 * qapi/run-state.json, qapi/machine-target.json, qapi/machine.json, qapi/introspect.json).
 */
public final class QapiCoreTypes {
    private QapiCoreTypes() {}

    private static final ArgType INT = ArgType.INTEGER;
    private static final ArgType STR = ArgType.STRING;
    private static final ArgType BOOL = ArgType.BOOLEAN;

    public static final ObjectType VERSION_TRIPLE = ObjectType.of("VersionTriple",
            member("major", INT), member("minor", INT), member("micro", INT));
    public static final ObjectType VERSION_INFO = ObjectType.of("VersionInfo",
            member("qemu", VERSION_TRIPLE), member("package", STR));
    public static final ObjectType COMMAND_INFO = ObjectType.of("CommandInfo", member("name", STR));

    public static final ArgType RUN_STATE = ArgType.oneOf("RunState", "debug", "inmigrate", "internal-error", "io-error",
            "paused", "postmigrate", "prelaunch", "finish-migrate", "restore-vm", "running", "save-vm", "shutdown",
            "suspended", "watchdog", "guest-panicked", "colo");
    public static final ObjectType STATUS_INFO = ObjectType.of("StatusInfo",
            member("running", BOOL), member("singlestep", BOOL), member("status", RUN_STATE));

    public static final ArgType SYS_EMU_TARGET = ArgType.oneOf("SysEmuTarget", "aarch64", "alpha", "arm", "avr", "cris",
            "hppa", "i386", "loongarch64", "m68k", "microblaze", "microblazeel", "mips", "mips64", "mips64el", "mipsel",
            "nios2", "or1k", "ppc", "ppc64", "riscv32", "riscv64", "rx", "s390x", "sh4", "sh4eb", "sparc", "sparc64",
            "tricore", "x86_64", "xtensa", "xtensaeb");
    public static final ObjectType TARGET_INFO = ObjectType.of("TargetInfo", member("arch", SYS_EMU_TARGET));

    public static final ArgType SHUTDOWN_CAUSE = ArgType.oneOf("ShutdownCause", "none", "host-error", "host-qmp-quit",
            "host-qmp-system-reset", "host-signal", "host-ui", "guest-shutdown", "guest-reset", "guest-panic",
            "subsystem-reset", "snapshot-load");
    public static final QmpEventType SHUTDOWN = new QmpEventType("SHUTDOWN", ObjectType.of("q_obj_SHUTDOWN-arg",
            member("guest", BOOL), member("reason", SHUTDOWN_CAUSE)));

    /** SchemaInfo: a flat union on meta-type (qapi/introspect.json). */
    public static final UnionType SCHEMA_INFO = schemaInfo();

    private static UnionType schemaInfo() {
        ArgType features = ArgType.listOf(STR);
        ArgType metaType = ArgType.oneOf("SchemaMetaType", "builtin", "enum", "array", "object", "alternate", "command",
                "event");
        ArgType jsonType = ArgType.oneOf("JSONType", "string", "number", "int", "boolean", "null", "object", "array", "value");
        ObjectType enumMember = ObjectType.of("SchemaInfoEnumMember", member("name", STR), optionalMember("features", features));
        ObjectType objectMember = ObjectType.of("SchemaInfoObjectMember", member("name", STR), member("type", STR),
                optionalMember("default", ArgType.ANY), optionalMember("features", features));
        ObjectType variant = ObjectType.of("SchemaInfoObjectVariant", member("case", STR), member("type", STR));
        ObjectType alternateMember = ObjectType.of("SchemaInfoAlternateMember", member("type", STR));
        Map<String, ObjectType> variants = new LinkedHashMap<>();
        variants.put("builtin", ObjectType.of("SchemaInfoBuiltin", member("json-type", jsonType)));
        variants.put("enum", ObjectType.of("SchemaInfoEnum", member("members", ArgType.listOf(enumMember)),
                member("values", ArgType.listOf(STR)).withFeatures("deprecated")));
        variants.put("array", ObjectType.of("SchemaInfoArray", member("element-type", STR)));
        variants.put("object", ObjectType.of("SchemaInfoObject", member("members", ArgType.listOf(objectMember)),
                optionalMember("tag", STR), optionalMember("variants", ArgType.listOf(variant))));
        variants.put("alternate", ObjectType.of("SchemaInfoAlternate", member("members", ArgType.listOf(alternateMember))));
        variants.put("command", ObjectType.of("SchemaInfoCommand", member("arg-type", STR), member("ret-type", STR),
                optionalMember("allow-oob", BOOL)));
        variants.put("event", ObjectType.of("SchemaInfoEvent", member("arg-type", STR)));
        return new UnionType("SchemaInfo", List.of(member("name", STR), member("meta-type", metaType),
                optionalMember("features", features)), "meta-type", variants);
    }
}
