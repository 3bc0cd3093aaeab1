package vdm.capture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The part of the ACPI namespace that the DSDT and SSDTs declare statically: scopes, devices, {@code Name}d data
 * objects and methods, by absolute path ({@code \_SB_.PCI0._PRT}). Nothing is evaluated while loading. Opcodes
 * that vdm does not decode at object level skip the rest of their scope, with a note; {@code If}/{@code Else}/
 * {@code While} blocks outside methods are skipped and counted. A method is "evaluated" only in the small form
 * firmware uses for {@code _PRT}, {@code _CRS} and friends: constants, {@code Return}, and {@code If}/{@code Else}
 * on a comparison (see {@link #value}).
 */
final class AmlNamespace {
    record Method(String path, byte[] table, String origin, int start, int end) {}

    private final Set<String> devices = new LinkedHashSet<>();
    private final Map<String, AmlValue> names = new LinkedHashMap<>();
    private final Map<String, Method> methods = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private int skippedBlocks;

    /** Loads a DSDT or SSDT's definition block (the AML after the 36-byte header). */
    void load(AcpiTable table) {
        byte[] aml = table.raw();
        AmlReader r = new AmlReader(aml, table.origin(), AcpiTable.HEADER_LENGTH);
        termList(r, aml.length, "\\", table.origin());
    }

    List<String> notes() {
        List<String> out = new ArrayList<>(notes);
        if (skippedBlocks > 0) out.add(skippedBlocks + " If/Else/While block(s) outside methods were not evaluated (their contents were not read)");
        return out;
    }

    Set<String> devices() {
        return devices;
    }

    boolean has(String path) {
        return names.containsKey(path) || methods.containsKey(path);
    }

    private void termList(AmlReader r, int end, String scope, String origin) {
        while (r.pos < end) {
            int at = r.pos;
            try {
                object(r, end, scope, origin);
            } catch (AmlReader.Unsupported e) {
                notes.add(String.format("%s: AML at offset 0x%x in %s: %s; the rest of that scope (to 0x%x) was not read",
                        origin, e.offset, scope, e.getMessage(), end));
                r.pos = end;
            }
            if (r.pos <= at) throw new IllegalStateException("AML walk made no progress at " + at);
        }
    }

    private void object(AmlReader r, int end, String scope, String origin) {
        int at = r.pos;
        int op = r.u8();
        switch (op) {
            case 0x10 -> {                                            // ScopeOp PkgLength NameString TermList
                int pe = r.pkgEnd(end);
                String path = resolve(scope, r.nameString());
                termList(r, pe, path, origin);
                r.pos = pe;
            }
            case 0x08 -> {                                            // NameOp NameString DataRefObject
                String path = resolve(scope, r.nameString());
                names.put(path, r.dataObject(end));
            }
            case 0x14 -> {                                            // MethodOp PkgLength NameString MethodFlags TermList
                int pe = r.pkgEnd(end);
                String path = resolve(scope, r.nameString());
                r.u8();
                methods.put(path, new Method(path, r.bytes(), origin, r.pos, pe));
                r.pos = pe;
            }
            case 0x06 -> {                                            // AliasOp NameString NameString
                r.nameString();
                r.nameString();
            }
            case 0x15 -> {                                            // ExternalOp NameString ObjectType ArgumentCount
                r.nameString();
                r.u8();
                r.u8();
            }
            case 0xa0, 0xa1, 0xa2 -> {                                // If, Else, While: not evaluated outside methods
                r.pos = r.pkgEnd(end);
                skippedBlocks++;
            }
            case 0x5b -> extended(r, end, scope, origin, at);
            default -> throw new AmlReader.Unsupported(at, String.format("opcode 0x%02x at object level", op));
        }
    }

    private void extended(AmlReader r, int end, String scope, String origin, int at) {
        int op = r.u8();
        switch (op) {
            case 0x82 -> {                                            // DeviceOp PkgLength NameString TermList
                int pe = r.pkgEnd(end);
                String path = resolve(scope, r.nameString());
                devices.add(path);
                termList(r, pe, path, origin);
                r.pos = pe;
            }
            case 0x80 -> {                                            // OpRegionOp NameString RegionSpace Offset Length
                r.nameString();
                r.u8();
                termArg(r, end);
                termArg(r, end);
            }
            case 0x81, 0x86, 0x87, 0x83, 0x84, 0x85 ->                // Field, IndexField, BankField, Processor, PowerRes, ThermalZone
                    r.pos = r.pkgEnd(end);
            case 0x01 -> {                                            // MutexOp NameString SyncFlags
                r.nameString();
                r.u8();
            }
            case 0x02 -> r.nameString();                              // EventOp NameString
            case 0x88 -> {                                            // DataRegionOp NameString TermArg TermArg TermArg
                r.nameString();
                termArg(r, end);
                termArg(r, end);
                termArg(r, end);
            }
            default -> throw new AmlReader.Unsupported(at, String.format("extended opcode 0x5b 0x%02x at object level", op));
        }
    }

    /** A TermArg vdm can step over: a constant or a name (an expression or a call is not). */
    private static void termArg(AmlReader r, int end) {
        r.dataObject(end);
    }

    /** The absolute path of {@code name} written in {@code scope} (ACPI 6.5, 5.3: root and parent prefixes). */
    static String resolve(String scope, String name) {
        if (name.startsWith("\\")) return name.length() == 1 ? "\\" : name;
        String base = scope;
        int i = 0;
        while (i < name.length() && name.charAt(i) == '^') {
            base = parent(base);
            i++;
        }
        String rest = name.substring(i);
        if (rest.isEmpty()) return base;
        return base.equals("\\") ? "\\" + rest : base + "." + rest;
    }

    static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "\\" : path.substring(0, dot);
    }

    static String lastSeg(String path) {
        int dot = path.lastIndexOf('.');
        return path.substring(dot < 0 ? 1 : dot + 1);
    }

    /**
     * Finds {@code name} as the interpreter would from {@code scope}: a single NameSeg is looked up in the scope and
     * then in each enclosing one up to the root (ACPI 6.5, 5.3); anything else is resolved as written.
     */
    Optional<String> find(String scope, String name, Set<String> among) {
        boolean single = !name.startsWith("\\") && !name.startsWith("^") && !name.contains(".");
        if (!single) {
            String p = resolve(scope, name);
            return among.contains(p) ? Optional.of(p) : Optional.empty();
        }
        String s = scope;
        while (true) {
            String p = resolve(s, name);
            if (among.contains(p)) return Optional.of(p);
            if (s.equals("\\")) return Optional.empty();
            s = parent(s);
        }
    }

    Optional<String> findObject(String scope, String name) {
        Set<String> all = new LinkedHashSet<>(names.keySet());
        all.addAll(methods.keySet());
        all.addAll(devices);
        return find(scope, name, all);
    }

    /**
     * The value of object {@code path}: a {@code Name}'s data, or what a method returns when it is a list of
     * {@code Return}s and {@code If}/{@code Else} blocks whose predicates compare names and constants. In a
     * {@code _PRT} method's predicate every name reads as 1: the only such names in firmware's {@code _PRT} methods are the interrupt model
     * flag that {@code _PIC} sets, and OSPM in APIC mode calls {@code _PIC(1)} (ACPI 6.5, 5.8.1). A returned name is
     * resolved to its value. Anything else is {@link Evaluated.NotUnderstood} with the reason.
     */
    Evaluated value(String path) {
        if (names.containsKey(path)) return deref(parent(path), names.get(path), 0);
        Method m = methods.get(path);
        if (m == null) return new Evaluated.Absent();
        AmlReader body = new AmlReader(m.table(), m.origin(), m.start());
        boolean picFlag = lastSeg(path).equals("_PRT");
        try {
            Optional<AmlValue> v = statements(body, m.end(), picFlag);
            if (v.isEmpty()) return new Evaluated.NotUnderstood("method " + path + " returns nothing vdm can see");
            Evaluated e = deref(path, v.get(), 0);
            return e instanceof Evaluated.Known k ? new Evaluated.Known(k.value(), true) : e;
        } catch (AmlReader.Unsupported e) {
            return new Evaluated.NotUnderstood(String.format("method %s: %s at offset 0x%x", path, e.getMessage(), e.offset));
        }
    }

    /** The result of {@link #value}. */
    sealed interface Evaluated {
        record Known(AmlValue value, boolean fromMethod) implements Evaluated {}

        record Absent() implements Evaluated {}

        record NotUnderstood(String why) implements Evaluated {}
    }

    private Evaluated deref(String scope, AmlValue v, int depth) {
        if (!(v instanceof AmlValue.NameRef(String name))) return new Evaluated.Known(v, false);
        if (depth > 8) return new Evaluated.NotUnderstood("names refer to each other more than 8 deep from " + scope);
        Optional<String> target = findObject(scope, name);
        if (target.isEmpty()) return new Evaluated.NotUnderstood("name " + name + " (from " + scope + ") is not declared statically");
        if (names.containsKey(target.get())) return deref(parent(target.get()), names.get(target.get()), depth + 1);
        if (methods.containsKey(target.get())) return value(target.get());
        return new Evaluated.NotUnderstood(target.get() + " is a device, not a value");
    }

    private Optional<AmlValue> statements(AmlReader r, int end, boolean picFlag) {
        while (r.pos < end) {
            int at = r.pos;
            int op = r.u8();
            switch (op) {
                case 0xa4 -> {                                        // ReturnOp ArgObject
                    return Optional.of(r.dataObject(end));
                }
                case 0xa0 -> {                                        // IfOp PkgLength Predicate TermList
                    int pe = r.pkgEnd(end);
                    boolean taken = predicate(r, pe, picFlag) != 0;
                    Optional<AmlValue> v = taken ? statements(r, pe, picFlag) : Optional.empty();
                    r.pos = pe;
                    if (r.pos < end && r.peek() == 0xa1) {             // ElseOp PkgLength TermList
                        r.u8();
                        int ee = r.pkgEnd(end);
                        if (!taken) v = statements(r, ee, picFlag);
                        r.pos = ee;
                    }
                    if (v.isPresent()) return v;
                }
                default -> throw new AmlReader.Unsupported(at, String.format("opcode 0x%02x in a method body", op));
            }
        }
        return Optional.empty();
    }

    private long predicate(AmlReader r, int end, boolean picFlag) {
        int at = r.pos;
        int op = r.peek();
        switch (op) {
            case 0x92 -> {                                            // LNotOp Operand
                r.u8();
                return predicate(r, end, picFlag) == 0 ? 1 : 0;
            }
            case 0x93, 0x94, 0x95 -> {                                // LEqual, LGreater, LLess
                r.u8();
                long a = predicate(r, end, picFlag), b = predicate(r, end, picFlag);
                return (op == 0x93 ? a == b : op == 0x94 ? a > b : a < b) ? 1 : 0;
            }
            default -> {
                AmlValue v = r.dataObject(end);
                if (v instanceof AmlValue.Int(long n)) return n;
                if (v instanceof AmlValue.NameRef && picFlag) return 1; // the interrupt model flag: 1 = APIC (after _PIC(1))
                throw new AmlReader.Unsupported(at, picFlag ? "a predicate operand that is not a constant or a name"
                        : "a predicate on a run-time value");
            }
        }
    }
}
