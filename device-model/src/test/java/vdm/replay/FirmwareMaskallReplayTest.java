package vdm.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vdm.explore.Op;
import vdm.system.Trace;

/**
 * firmware-msix-maskall as Xen and libxl print it: without 913751d7af the quarantine at pci-assignable-add is refused
 * (assign_device to dom_io, "d[IO]: assign (SBDF) failed (-16)", libxl's "failed to quarantine"), and so is the
 * attach; with it, Xen's boot-time warning is the fix at work, not a failure.
 */
class FirmwareMaskallReplayTest {
    private static final KnownFailure F = FailureLibrary.named("firmware-msix-maskall");

    @Test
    void withoutTheBootTimeClearTheQuarantineAndTheAttachAreRefusedBusy() {
        Replay.Result r = Replay.run(F, false);
        assertTrue(has(r, Op.ASSIGN, Trace.Source.LIBXL, "failed to quarantine 0000:01:00.0"), r::render);
        assertTrue(has(r, Op.ATTACH, Trace.Source.LIBXL, "xc_assign_device failed: Device or resource busy"), r::render);
        assertTrue(r.trace().events().stream().noneMatch(e -> e.message().contains("unexpected initial MSI-X state")), r::render);
    }

    @Test
    void withItXenSaysWhatItFixedAtBootAndTheLineIsExpected() {
        Replay.Result r = Replay.run(F, true);
        Trace.Event line = r.trace().events().stream()
                .filter(e -> e.message().contains("0000:01:00.0: unexpected initial MSI-X state (MASKALL=1, ENABLE=1), fixing"))
                .findFirst().orElseThrow(() -> new AssertionError(r.render()));
        assertEquals(Trace.Verdict.EXPECTED, line.verdict());
        assertEquals(Trace.Source.XEN, line.source());
    }

    private static boolean has(Replay.Result r, Op step, Trace.Source source, String text) {
        return r.trace().events().stream().anyMatch(e -> e.step().equals(step.label()) && e.source() == source
                && e.verdict() == Trace.Verdict.FAILED && e.message().contains(text));
    }
}
