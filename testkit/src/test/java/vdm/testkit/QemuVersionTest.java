package vdm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The differential tests' guard: which QEMU runs, and a clear failure when it is not the series they expect. */
class QemuVersionTest {
    private static final String BOOKWORM_BANNER = """
            QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
            Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers
            """;

    @Test
    void debianBookwormsBannerIsSeries72() {
        QemuVersion v = QemuVersion.parse(BOOKWORM_BANNER, "qemu-system-x86_64 --version");
        assertEquals(new QemuVersion(7, 2, 22, "qemu-system-x86_64 --version"), v);
        assertEquals("7.2.22", v.toString());
        assertEquals(v, v.require(QemuVersion.BOOKWORM));
        assertEquals("8.1.0", QemuVersion.parse("QEMU emulator version 8.1.0 (v8.1.0)\n", "x").toString());
        assertEquals("9.0.0", QemuVersion.parse("QEMU emulator version 9.0\n", "x").toString());
    }

    @Test
    void anotherSeriesFailsNamingBothVersions() {
        QemuVersion v = QemuVersion.parse("QEMU emulator version 8.1.0 (v8.1.0)\n", "/usr/local/bin/qemu-system-x86_64 --version");
        AssertionError e = assertThrows(AssertionError.class, () -> v.require("7.2"));
        assertEquals("written against QEMU 7.2.x, found 8.1.0: re-check the expected bytes "
                + "(/usr/local/bin/qemu-system-x86_64 --version)", e.getMessage());
        assertThrows(AssertionError.class, () -> new QemuVersion(7, 1, 0, "x").require("7.2"));
        assertThrows(AssertionError.class, () -> new QemuVersion(17, 2, 0, "x").require("7.2"));
    }

    @Test
    void outputWithoutAVersionAndAMalformedSeriesAreNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> QemuVersion.parse("qemu: command not found\n", "qemu --version"));
        assertEquals("no QEMU version in the output of qemu --version: 'qemu: command not found' "
                + "(expected 'QEMU emulator version MAJOR.MINOR.MICRO')", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new QemuVersion(7, 2, 0, "x").require("7"));
    }

    @Test
    void theInstalledQemuIsTheSeriesTheDifferentialTestsWereWrittenAgainst() {
        QemuVersion v = QemuVersion.requireInstalled(QemuVersion.BOOKWORM);
        assertEquals(7, v.major());
        assertEquals(2, v.minor());
        assertEquals(v, QemuVersion.installed(), "asked once per JVM");
    }
}
