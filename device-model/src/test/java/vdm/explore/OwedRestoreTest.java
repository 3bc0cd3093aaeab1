package vdm.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import vdm.host.WideHost;
import vdm.hosts.TestHost;
import vdm.model.Preset;
import vdm.snapshot.ModelState;

/**
 * The device owing a restore is part of a search state, kept beside the model state (the model alone does not say
 * which device was reset last), and put back with it: a state restored into another run offers that device's restore.
 */
class OwedRestoreTest {
    private static final Setting TWO = new Setting(List.of(WideHost.NIC, WideHost.VIRTIO_NET), 1);
    private static final List<Op> OPS = TWO.ops(List.of(OpKind.RESET, OpKind.RESTORE, OpKind.NOTIFY, OpKind.ENABLE, OpKind.DISABLE));

    private static Run fresh() {
        return new Run(TestHost.WIDE.builder().preset(Preset.BROKEN).tracing(false).invariants(false).build(), TWO);
    }

    private static Run after(String... labels) {
        Run r = fresh();
        for (String l : labels) {
            Op op = Op.of(l);
            if (!op.applies(r)) throw new AssertionError(l + " does not apply");
            op.apply(r);
        }
        return r;
    }

    private static List<String> offered(Run r) {
        return OPS.stream().filter(op -> op.applies(r)).map(Op::label).toList();
    }

    @Test
    void theDeviceResetLastOwesTheRestoreAndOnlyItsRestoreIsOffered() {
        Run a = after("reset(0000:00:02.0)", "restore(0000:00:02.0)", "reset(0000:00:03.0)");
        assertEquals(2, a.owed(), "the second device of the setting owes");
        assertEquals(List.of("restore(0000:00:03.0)"), offered(a));
        assertEquals(0, after("reset(0000:00:02.0)", "restore(0000:00:02.0)").owed());
    }

    @Test
    void aStatePutIntoAnotherRunOffersTheRestoreOfTheDeviceItNames() {
        Run a = after("reset(0000:00:03.0)");
        ModelState s = ModelState.capture(a.vdm());
        Run other = after("reset(0000:00:02.0)");
        s.restore(other.vdm());
        other.owed(a.owed());
        assertEquals(offered(a), offered(other));
        assertEquals(List.of("restore(0000:00:03.0)"), offered(other));
    }

    @Test
    void anOwedRestoreNamingNoDeviceOfTheSettingIsRefused() {
        Run r = fresh();
        assertEquals("owed restore 3 names no device of [0000:00:02.0, 0000:00:03.0]",
                assertThrows(IllegalArgumentException.class, () -> r.owed(3)).getMessage());
    }

    @Test
    void aSettingOfMoreDevicesThanANodeCanNameIsRefused() {
        List<vdm.pci.Sbdf> many = java.util.stream.IntStream.range(0, 128).mapToObj(i -> new vdm.pci.Sbdf(0, 1 + i / 32, (i / 8) % 4, i % 8)).toList();
        assertEquals("--devices names 128 devices; a search holds at most 127 (its nodes name the device owing a restore in 7 bits)",
                assertThrows(IllegalArgumentException.class, () -> new Setting(many, 1)).getMessage());
    }
}
