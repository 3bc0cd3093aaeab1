package vdm.persist;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.host.HostDescriptionException;
import vdm.ioapic.InterruptSink;
import vdm.persist.HostJsonSchema.HostJson;

/**
 * Reads host descriptions from JSON (format {@value HostJsonSchema#FORMAT}, reference: {@code docs/host-json.md}).
 * Every error is a {@link HostDescriptionException} naming the file, the JSON path ({@code functions[2].at}) and, for
 * syntax and type errors, the line; semantic errors name the element (SBDF, link, IO-APIC).
 */
public final class HostJsonReader {
    private HostJsonReader() {}

    /** Reads a description file; dump files it imports are relative to its directory. */
    public static HostDescription read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new HostDescriptionException(file.toString(), "cannot read: " + IoReason.of(e), e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.getFileName().toString(), dir);
    }

    /** Reads a description from text; relative dump paths are resolved against {@code baseDir}. */
    public static HostDescription parse(String json, String sourceName, Path baseDir) {
        return read(json, sourceName, new DumpImport(baseDir == null ? Path.of("") : baseDir));
    }

    /**
     * A description embedded in another document (a snapshot): it names no directory, so an {@code "import"} of a file
     * is refused (issue 16: a snapshot could read, and quote, any file the server could); inline {@code config} works.
     */
    public static HostDescription embedded(String json, String sourceName) {
        return read(json, sourceName, DumpImport.NO_FILES);
    }

    /** Parses the document and maps it, with {@code dumps} deciding what an {@code "import"} may read. */
    private static HostDescription read(String json, String sourceName, DumpImport dumps) {
        HostJson h;
        try {
            h = HostJsonSchema.MAPPER.readValue(json, HostJson.class);
        } catch (JsonProcessingException e) {
            throw jsonError(sourceName, e);
        }
        if (h == null) throw new HostDescriptionException(sourceName, "the document is empty (null)");
        try {
            return new HostJsonMapping(dumps).describe(h);
        } catch (HostDescriptionException e) {
            throw new HostDescriptionException(sourceName, e.getMessage(), e);
        }
    }

    public static HostDescription parse(String json) {
        return parse(json, "host description", null);
    }

    /** Reads the file and makes the host (power-on state). */
    public static Host load(Path file) {
        return Host.create(read(file));
    }

    public static Host load(Path file, InterruptSink sink) {
        return Host.create(read(file), sink);
    }

    /** Jackson's complaint in the words of the format: where (file, line, JSON path) and what was expected. */
    private static HostDescriptionException jsonError(String source, JsonProcessingException e) {
        String path = e instanceof JsonMappingException m ? path(m.getPath()) : "";
        JsonLocation loc = e.getLocation();
        String where = source + (loc != null && loc.getLineNr() > 0 ? " line " + loc.getLineNr() : "");
        String problem;
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = u.getKnownPropertyIds() == null ? List.of()
                    : u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            problem = "unknown member '" + u.getPropertyName() + "'" + (known.isEmpty() ? "" : " (known: " + String.join(", ", known) + ")");
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null
                && (e.getOriginalMessage().startsWith("Cannot deserialize") || e.getOriginalMessage().startsWith("Cannot construct"))) {
            Class<?> t = m.getTargetType();
            problem = "expected " + (Collection.class.isAssignableFrom(t) ? "a JSON array"
                    : t == String.class ? "a string" : t == Boolean.class ? "true or false"
                    : t == Long.class ? "an integer" : Map.class.isAssignableFrom(t) || t.isRecord() ? "a JSON object"
                    : t.getSimpleName());
        } else {
            problem = e.getOriginalMessage();
            int cut = problem.indexOf("\n");
            if (cut > 0) problem = problem.substring(0, cut);
        }
        return new HostDescriptionException(where + (path.isEmpty() ? "" : ": " + path), problem, e);
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (!out.isEmpty()) out.append('.');
                out.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }
}
