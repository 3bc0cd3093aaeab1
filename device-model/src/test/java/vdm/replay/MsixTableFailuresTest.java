package vdm.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.explore.Op;
import vdm.system.Trace;

/**
 * The MSI-X chapter's entries show what upstream's reports show: the lines Xen and Linux print, at the steps that
 * print them, and what the fixed run does instead.
 */
class MsixTableFailuresTest {
    private static Replay.Result run(String name, boolean fixed) {
        Replay.Result r = Replay.run(FailureLibrary.named(name), fixed);
        System.out.println(r.render());
        return r;
    }

    private static List<String> lines(Replay.Result r, Op step) {
        return r.trace().events().stream().filter(e -> e.step().equals(step.label())).map(Trace.Event::message).toList();
    }

    private static boolean has(List<String> lines, String text) {
        return lines.stream().anyMatch(l -> l.contains(text));
    }

    @Test
    void iwlwifiReadsItsCausesAsAllOnesWithoutTheAdjacentHandlingAndNothingWithIt() {
        Replay.Result broken = run("msix-page-registers-dropped", false);
        List<String> irq = lines(broken, Op.IWL_MSIX_IRQ);
        assertTrue(has(irq, "iwlwifi 0000:00:14.3: Microcode SW error detected. Restarting 0x0."), irq::toString);
        assertTrue(has(irq, "as 0xffffffff"), irq::toString);
        Replay.Result fixed = run("msix-page-registers-dropped", true);
        assertTrue(lines(fixed, Op.IWL_MSIX_IRQ).stream().noneMatch(l -> l.contains("Microcode")));
    }

    @Test
    void theHotPluggedCardLosesItsMsixAsTheCommitsLogShowsAndKeepsItWithTheFix() {
        Replay.Result broken = run("msix-hole-unmapped-bars", false);
        List<String> replug = lines(broken, Op.SLOT_REPLUG);
        assertTrue(has(replug, "(XEN)") && has(replug, "d0v0 0000:01:00.0: existing mapping (mfn: 1c1880 type: 0) at 0 clobbers MSIX MMIO area"),
                replug::toString);
        assertTrue(has(replug, "d0 0000:01:00.0: init legacy cap 17 fail rc=-17, mask it"), replug::toString);
        assertTrue(has(lines(broken, Op.DOM0_MSIX_ENABLE), "the Enable write never reached it"));
        Replay.Result fixed = run("msix-hole-unmapped-bars", true);
        assertTrue(lines(fixed, Op.SLOT_REPLUG).stream().noneMatch(l -> l.contains("clobbers")));
        assertEquals(Trace.Verdict.OK, fixed.steps().getLast().verdict(), "dom0's driver enables MSI-X");
    }

    @Test
    void theSataControllersDecodingIsRefusedUntilXenChecksTheBirAndThenItReportsTheDeviceBug() {
        Replay.Result broken = run("msix-bir-empty-bar", false);
        List<String> enable = lines(broken, Op.ENABLE);
        assertTrue(has(enable, "d0v0 0000:22:00.0: existing mapping (mfn: 1c1880 type: 0) at 0 clobbers MSIX MMIO area"), enable::toString);
        assertTrue(broken.trace().events().stream().noneMatch(e -> e.message().contains("Device bug")));
        Replay.Result fixed = run("msix-bir-empty-bar", true);
        List<String> boot = fixed.trace().events().stream().filter(e -> e.step().equals("boot")).map(Trace.Event::message).toList();
        assertTrue(has(boot, "(XEN)") && has(boot, "Device bug: 0000:22:00.0: MSI-X vector table at invalid BAR2 with type 0"), boot::toString);
        assertTrue(has(boot, "d0 0000:22:00.0: init legacy cap 17 fail rc=-19, mask it"), boot::toString);
        assertTrue(fixed.trace().events().stream().filter(e -> e.verdict() == Trace.Verdict.FAILED).allMatch(fixed::printedByTheFix));
        assertTrue(lines(fixed, Op.ENABLE).stream().noneMatch(l -> l.contains("clobbers")));
    }
}
