package vdm.readme;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's Java is code that compiles and does what it says: every {@code ```java} block, wrapped as
 * {@link ReadmeSnippet} says, compiles with {@code javax.tools} against this module's test class path (which holds
 * every vdm module), and then runs as {@link SnippetRunner} says (statements, a JUnit class, a main), unless it is
 * marked {@value ReadmeSnippet#COMPILE_ONLY}. A failure names the block by its first line and its line in README,
 * with the compiler's message at the README line it is about. Run from the qmp module directory, so README is
 * {@code ../README.md}.
 */
class ReadmeJavaSnippetsTest {
    private static final Path README = Path.of("..", "README.md");
    /** Each block is compiled once, by whichever test asks first (by its README line). */
    private static final Map<Integer, SnippetCompiler.Result> COMPILED = new ConcurrentHashMap<>();

    @TempDir
    static Path work;

    private static List<ReadmeSnippet> snippets() throws IOException {
        assertTrue(Files.isRegularFile(README), "no README at " + README.toAbsolutePath().normalize()
                + ": this test runs from the qmp module directory");
        return ReadmeSnippet.extract(README);
    }

    private static SnippetCompiler.Result compiled(SnippetCompiler compiler, ReadmeSnippet s) {
        return COMPILED.computeIfAbsent(s.line(), line -> {
            try {
                return compiler.compile(s, Files.createTempDirectory(work, "line-" + line + "-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void readmeHasJavaSnippetsOfBothKinds() throws IOException {
        List<ReadmeSnippet> all = snippets();
        assertTrue(all.stream().anyMatch(ReadmeSnippet::statements), "README has no ```java block of statements");
        assertTrue(all.stream().anyMatch(s -> !s.statements()), "README has no ```java block declaring a class");
    }

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompiles() throws IOException {
        SnippetCompiler compiler = new SnippetCompiler();
        return snippets().stream().map(s -> DynamicTest.dynamicTest(s.label(), () -> {
            SnippetCompiler.Result r = compiled(compiler, s);
            if (!r.compiled()) fail(s.label() + " does not compile:\n" + String.join("\n", r.errors()));
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetRuns() throws IOException {
        SnippetCompiler compiler = new SnippetCompiler();
        return snippets().stream().filter(s -> !s.compileOnly()).map(s -> DynamicTest.dynamicTest(s.label(), () -> {
            SnippetCompiler.Result r = compiled(compiler, s);
            assumeTrue(r.compiled(), () -> s.label() + " does not compile (everyJavaSnippetCompiles says why)");
            assumeTrue(SnippetRunner.hasSomethingToRun(s, r.classes()), () -> s.label() + " declares nothing to run");
            SnippetRunner.run(s, r.classes());
        }));
    }
}
