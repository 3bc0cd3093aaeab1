package vdm.replay;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The library of real passthrough failures (README, "The failure library"): every {@link KnownFailure}, in the order
 * {@code vdm replay --list} prints them. Each chapter is its own class; add an entry there, or a chapter here.
 */
public final class FailureLibrary {
    private static final List<KnownFailure> ALL = collect();

    private FailureLibrary() {}

    private static List<KnownFailure> collect() {
        List<KnownFailure> all = new ArrayList<>();
        all.addAll(SeedFailures.all());
        all.addAll(OrderingFailures.all());
        all.addAll(PermissionFailures.all());
        all.addAll(MsixTableFailures.all());
        all.addAll(FirmwareFailures.all());
        Set<String> names = new HashSet<>();
        for (KnownFailure f : all) {
            if (!names.add(f.name())) throw new IllegalStateException("two failures of the library are named " + f.name());
        }
        return List.copyOf(all);
    }

    public static List<KnownFailure> all() {
        return ALL;
    }

    /** The entry of that name; an unknown one is refused with the names the library has. */
    public static KnownFailure named(String name) {
        for (KnownFailure f : ALL) if (f.name().equals(name)) return f;
        throw new IllegalArgumentException("no failure named '" + name + "' in the library; known: "
                + String.join(", ", ALL.stream().map(KnownFailure::name).toList()));
    }

    /** One line per entry: name, source, summary (what {@code vdm replay --list} prints). */
    public static String list() {
        int w = ALL.stream().mapToInt(f -> f.name().length()).max().orElse(10);
        StringBuilder sb = new StringBuilder();
        for (KnownFailure f : ALL) sb.append(String.format("%-" + w + "s  %s%n%" + w + "s  %s%n", f.name(), f.summary(), "", f.source()));
        return sb.toString();
    }
}
