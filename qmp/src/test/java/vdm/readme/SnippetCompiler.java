package vdm.readme;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles a {@link ReadmeSnippet} with the JDK's compiler ({@code javax.tools}) against this test's class path, into
 * a directory of its own. Errors come back as one message per diagnostic, each at its line in the Markdown file.
 */
final class SnippetCompiler {
    /** What compiling one snippet gave: where its classes are, and the errors (empty when it compiled). */
    record Result(Path classes, List<String> errors) {
        boolean compiled() {
            return errors.isEmpty();
        }
    }

    private final JavaCompiler compiler;
    private final String classPath;

    SnippetCompiler() {
        this.compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no Java compiler in " + System.getProperty("java.home")
                    + ": run the tests on a JDK, not a JRE");
        }
        this.classPath = testClassPath();
    }

    /**
     * The class path the tests run with: Surefire's forked JVM puts it in {@code java.class.path} (its manifest-only
     * booter jar is {@code surefire.real.class.path}), and keeps a copy in {@code surefire.test.class.path}.
     */
    private static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    Result compile(ReadmeSnippet snippet, Path workDir) throws IOException {
        Path sources = Files.createDirectories(workDir.resolve("src"));
        Path classes = Files.createDirectories(workDir.resolve("classes"));
        Path file = sources.resolve(snippet.className() + ".java");
        Files.writeString(file, snippet.source(), StandardCharsets.UTF_8);
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-proc:none", "-implicit:none", "-classpath", classPath,
                    "-d", classes.toString());
            StringWriter other = new StringWriter();
            boolean ok = compiler.getTask(other, files, diagnostics, options, null,
                    files.getJavaFileObjects(file.toFile())).call();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> describe(snippet, d)).collect(Collectors.toList());
            if (!ok && errors.isEmpty()) errors.add("the compiler failed without a diagnostic: " + other);
            return new Result(classes, List.copyOf(errors));
        }
    }

    private static String describe(ReadmeSnippet snippet, Diagnostic<? extends JavaFileObject> d) {
        long n = d.getLineNumber();
        String where = n == Diagnostic.NOPOS ? snippet.file() : snippet.file() + ":" + snippet.markdownLine(n);
        String text = n == Diagnostic.NOPOS || n > snippet.lines().size() ? "" : "\n    " + snippet.lines().get((int) n - 1).strip();
        return where + ": " + d.getMessage(Locale.ROOT) + text;
    }
}
