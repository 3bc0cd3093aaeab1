package vdm.readme;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs a compiled {@link ReadmeSnippet}: a block of statements by its generated {@code run()}, a class with JUnit
 * {@code @Test} methods through the JUnit platform (as a harness author would run it), a class with a
 * {@code main} by calling it. What it is depends on what the block declares, so README needs no markers.
 */
final class SnippetRunner {
    private SnippetRunner() {}

    /** Whether running the block means anything: statements to run, tests to launch or a main to call. */
    static boolean hasSomethingToRun(ReadmeSnippet s, Path classes) throws Exception {
        if (s.statements()) return true;
        try (URLClassLoader loader = loader(classes)) {
            Class<?> c = loader.loadClass(s.className());
            return hasTests(c) || main(c) != null;
        }
    }

    /** Runs the block; a failure names it and says what went wrong. */
    static void run(ReadmeSnippet s, Path classes) throws Exception {
        try (URLClassLoader loader = loader(classes)) {
            Class<?> c = loader.loadClass(s.className());
            if (s.statements()) invoke(s, c.getDeclaredMethod("run"), null);
            else if (hasTests(c)) launchTests(s, c);
            else if (main(c) != null) invoke(s, main(c), (Object) new String[0]);
        }
    }

    private static URLClassLoader loader(Path classes) throws Exception {
        return new URLClassLoader(new URL[] {classes.toUri().toURL()}, SnippetRunner.class.getClassLoader());
    }

    private static boolean hasTests(Class<?> c) {
        return Arrays.stream(c.getDeclaredMethods()).anyMatch(m -> m.isAnnotationPresent(Test.class));
    }

    private static Method main(Class<?> c) {
        try {
            Method m = c.getDeclaredMethod("main", String[].class);
            return Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static void invoke(ReadmeSnippet s, Method m, Object argument) throws Exception {
        m.setAccessible(true);
        try {
            if (argument == null) m.invoke(null);
            else m.invoke(null, argument);
        } catch (InvocationTargetException e) {
            throw new AssertionError(s.label() + " compiles but fails when run: " + e.getCause(), e.getCause());
        }
    }

    private static void launchTests(ReadmeSnippet s, Class<?> c) {
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(c)).build(), listener);
        TestExecutionSummary summary = listener.getSummary();
        if (summary.getTestsFoundCount() == 0) {
            throw new AssertionError(s.label() + ": JUnit found no test in " + c.getName());
        }
        if (summary.getTotalFailureCount() > 0) {
            throw new AssertionError(s.label() + ": " + summary.getTotalFailureCount() + " of "
                    + summary.getTestsFoundCount() + " tests fail:\n" + summary.getFailures().stream()
                    .map(f -> "  " + f.getTestIdentifier().getDisplayName() + ": " + f.getException())
                    .collect(Collectors.joining("\n")));
        }
    }
}
