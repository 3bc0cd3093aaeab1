package vdm.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What -Dvdm.seed does: pinned seeds without it, a drawn or given base with it, and the seed said either way. */
class SeedsTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    private Seeds seeds(String property, long... pinned) {
        return Seeds.of("vdm.Example", property, out, pinned);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutThePropertyThePinnedSeedsRunAndAreSaid() {
        for (String unset : new String[] {null, "", "  ", "pinned"}) {
            printed.reset();
            Seeds s = seeds(unset, 11, 22, 33);
            assertTrue(s.pinned());
            assertEquals(11, s.base());
            assertArrayEquals(new long[] {11, 22, 33}, s.cases().toArray());
            assertEquals("[vdm.seed] vdm.Example: pinned seeds 11, 22, 33 (-Dvdm.seed=random draws a fresh one, "
                    + "-Dvdm.seed=N runs N)" + System.lineSeparator(), printed());
            assertEquals("seed 22 (pinned: a plain run replays it)", s.describe(22));
        }
    }

    @Test
    void casesBeyondThePinnedOnesStepFromTheFirstByGamma() {
        Seeds s = seeds(null, 5);
        assertArrayEquals(new long[] {5, 5 + Seeds.GAMMA, 5 + 2 * Seeds.GAMMA}, s.cases(3).toArray());
        assertArrayEquals(new long[] {1, 2, 1 + 2 * Seeds.GAMMA}, seeds(null, 1, 2).cases(3).toArray());
    }

    @Test
    void aGivenSeedIsTheBaseOfEveryCaseAndTheFailureSaysHowToReplayIt() {
        Seeds s = seeds("1234", 11, 22, 33);
        assertFalse(s.pinned());
        assertEquals(1234, s.base());
        assertArrayEquals(new long[] {1234, 1234 + Seeds.GAMMA, 1234 + 2 * Seeds.GAMMA}, s.cases().toArray());
        assertEquals("-Dvdm.seed=1234", s.replay());
        assertEquals("seed 1234 (-Dvdm.seed=1234; replay with -Dvdm.seed=1234)", s.describe(1234));
        assertEquals("seed 7 (-Dvdm.seed=1234, a case of base 1234; replay with -Dvdm.seed=1234)", s.describe(7));
        assertTrue(printed().startsWith("[vdm.seed] vdm.Example: seed 1234 ("), printed());
        assertEquals(-5, seeds("-5", 1).base());
        assertEquals(0xdeadbeefcafef00dL, seeds("0xdeadbeefcafef00d", 1).base());
    }

    @Test
    void randomDrawsOneBasePerJvmAndPrintsIt() {
        Seeds a = seeds("random", 1), b = seeds("RANDOM", 2);
        assertFalse(a.pinned());
        assertEquals(a.base(), b.base(), "one flag replays every class of the run");
        assertTrue(printed().contains("seed " + a.base() + " (-Dvdm.seed=random; replay with -Dvdm.seed=" + a.base() + ")"),
                printed());
        Seeds replayed = seeds(Long.toString(a.base()), 1);
        assertArrayEquals(a.cases(4).toArray(), replayed.cases(4).toArray(), "the printed seed replays the cases");
        assertNotEquals(a.cases(2).toArray()[0], a.cases(2).toArray()[1]);
    }

    @Test
    void aMalformedSeedOrNoPinnedSeedIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> seeds("12abc", 1));
        assertEquals("-Dvdm.seed must be 'random' or a number (decimal, or hex with 0x), not '12abc'", e.getMessage());
        assertEquals("vdm.Example: pin at least one seed", assertThrows(IllegalArgumentException.class, () -> seeds(null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> seeds(null, 1).cases(0));
    }
}
