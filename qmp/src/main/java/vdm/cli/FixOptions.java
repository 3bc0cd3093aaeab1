package vdm.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;
import vdm.model.Fix;
import vdm.model.Fixes;

/**
 * {@code --fix NAME=on|off} (repeatable) and {@code --list-fixes}, shared by {@code scenario}, {@code explore} and
 * {@code serve} (a picocli mixin). The settings apply on top of the preset in the order given
 * ({@link Fixes#with(String)}); a bad one is a usage error naming it, before the command runs.
 */
final class FixOptions {
    @Option(names = "--fix", paramLabel = "NAME=on|off", converter = Setting.class,
            description = "Turn one switch on or off on top of the preset (repeatable, applied in order); gsi-lookup "
                    + "also takes none, sysfs-gsi or privcmd. --list-fixes names them.")
    List<String> settings = new ArrayList<>();

    @Option(names = "--list-fixes", description = "Print every switch (label, layer, summary, upstream source) and exit.")
    boolean listFixes;

    /** The preset's fixes with every {@code --fix} applied in the order given. */
    Fixes apply(Fixes preset) {
        Fixes f = preset;
        for (String s : settings) f = f.with(s);
        return f;
    }

    boolean any() {
        return !settings.isEmpty();
    }

    /** " + reset-notification=off + ..." after a preset's label, or "" without {@code --fix}. */
    String suffix() {
        StringBuilder sb = new StringBuilder();
        for (String s : settings) sb.append(" + ").append(s.trim());
        return sb.toString();
    }

    /** Prints {@link Fix#table()} when {@code --list-fixes} was given; true if it was (the command then exits 0). */
    boolean listed(PrintWriter out) {
        if (!listFixes) return false;
        out.print(Fix.table());
        out.flush();
        return true;
    }

    /** Checks a setting as the option is parsed, so a bad one is picocli's usage error (exit 2) naming it. */
    static final class Setting implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                Fixes.legacy().with(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return value;
        }
    }
}
