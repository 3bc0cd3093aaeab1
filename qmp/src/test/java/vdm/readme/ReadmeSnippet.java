package vdm.readme;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code ```java} block of a Markdown file, with the line it starts on, and the compilation unit it becomes: a
 * block that declares its own top-level class (or record, interface, enum) is compiled as it is; a block of
 * statements goes into a static method {@code run()} of a generated class, its imports kept above the class.
 *
 * <p>The generated source keeps the block's lines where they are (the class and method open on the first line after
 * the imports, before its text, and close on a line after the block), so line n of the source is line
 * {@code line + n - 1} of the Markdown file.
 */
record ReadmeSnippet(String file, int line, List<String> lines) {
    private static final Pattern OPENING = Pattern.compile("^```java(?:\\s.*)?$");
    private static final Pattern CLOSING = Pattern.compile("^```\\s*$");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?[\\w.]+(\\.\\*)?\\s*;.*$");
    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "^(?:@\\w+(?:\\([^)]*\\))?\\s+)*(?:(?:public|final|abstract|sealed|non-sealed|static|strictfp)\\s+)*"
                    + "(?:class|record|interface|enum)\\s+(\\w+)");
    /** A block whose first line after the imports starts with this comment is compiled, not run (it needs a file...). */
    static final String COMPILE_ONLY = "// compile only";

    /** Every {@code ```java} block of {@code markdown}, in order; an unclosed block is an error naming its line. */
    static List<ReadmeSnippet> extract(Path markdown) throws IOException {
        List<String> text = Files.readAllLines(markdown);
        String name = markdown.getFileName().toString();
        List<ReadmeSnippet> out = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            if (!OPENING.matcher(text.get(i)).matches()) continue;
            int start = i + 1;
            int end = start;
            while (end < text.size() && !CLOSING.matcher(text.get(end)).matches()) end++;
            if (end == text.size()) {
                throw new IllegalStateException(name + " line " + (i + 1) + ": the ```java block is never closed");
            }
            out.add(new ReadmeSnippet(name, start + 1, List.copyOf(text.subList(start, end))));
            i = end;
        }
        return out;
    }

    /** The block's first line that is not blank, as the block is named in failures. */
    String firstLine() {
        return lines.stream().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("(empty)");
    }

    /** "README.md line 72 (Layout layout = ...)": how a failure names the block. */
    String label() {
        String first = firstLine();
        return file + " line " + line + " (" + (first.length() > 80 ? first.substring(0, 77) + "..." : first) + ")";
    }

    /** Index of the first line after the leading imports (and the blank lines and comments among them). */
    private int bodyStart() {
        int body = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (IMPORT.matcher(l).matches()) body = i + 1;
            else if (!l.isEmpty() && !l.startsWith("//")) break;
        }
        return body;
    }

    /** The name of the top-level type the block declares, or null for a block of statements. */
    String declaredType() {
        for (String l : lines.subList(bodyStart(), lines.size())) {
            Matcher m = TYPE_DECLARATION.matcher(l);
            if (m.find()) return m.group(1);
        }
        return null;
    }

    boolean statements() {
        return declaredType() == null;
    }

    /** Whether the block is marked {@value #COMPILE_ONLY} (its first line after the imports): compiled, never run. */
    boolean compileOnly() {
        return lines.subList(bodyStart(), lines.size()).stream().map(String::strip).filter(l -> !l.isEmpty())
                .findFirst().map(l -> l.startsWith(COMPILE_ONLY)).orElse(false);
    }

    /** The class a statement block is wrapped in, or the type a class block declares. */
    String className() {
        String declared = declaredType();
        return declared != null ? declared : "ReadmeSnippetAtLine" + line;
    }

    /** The compilation unit, line for line with the block (see the class comment). */
    String source() {
        if (!statements()) return String.join("\n", lines) + "\n";
        List<String> out = new ArrayList<>(lines);
        int body = bodyStart();
        String open = "final class " + className() + " { static void run() throws Exception { ";
        if (body < out.size()) out.set(body, open + out.get(body));
        else out.add(open);
        out.add("}}");
        return String.join("\n", out) + "\n";
    }

    /** The Markdown line of line {@code n} (1-based) of {@link #source()}. */
    long markdownLine(long n) {
        return line + n - 1;
    }
}
