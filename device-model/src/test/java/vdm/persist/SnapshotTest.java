package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.Vdm;
import vdm.dom0.Dom0Kernel;
import vdm.host.DefaultHost;
import vdm.host.LinkDevice;
import vdm.hosts.TestHost;
import vdm.pci.Sbdf;
import vdm.model.Preset;
import vdm.scenario.GuestOps;
import vdm.snapshot.ModelState;
import vdm.testkit.Seeds;
import vdm.toolstack.XenPtDevice;

/**
 * A snapshot taken at a random point and loaded into a fresh model answers the same random operations as the
 * original, and ends in the same snapshot. Pinned seeds by default; the seed is printed at the start and on failure,
 * with the -Dvdm.seed flag that replays it ({@link Seeds}). Each seed runs on every {@link TestHost}.
 */
class SnapshotTest {
    private static final Seeds SEEDS = Seeds.of(SnapshotTest.class, 1);

    /** Each pinned seed on each test host (the default one and {@link TestHost#WIDE}). */
    static Stream<Arguments> seeds() {
        return SEEDS.cases(12).boxed().flatMap(seed -> Stream.of(TestHost.values()).map(h -> Arguments.of(h, seed)));
    }

    /** One random operation on one of the host's endpoints, drawn from {@code rnd}, applied to a model; returns its answer. */
    private static Function<Vdm, String> operation(TestHost host, SplittableRandom rnd) {
        List<Sbdf> devices = host.endpoints();
        Sbdf dev = devices.get(rnd.nextInt(devices.size()));
        int domPick = rnd.nextInt(4), slot = 3 + rnd.nextInt(4), kind = rnd.nextInt(10);
        return vdm -> {
            List<Integer> guests = new ArrayList<>();
            vdm.xen().domains().forEach(d -> { if (!d.isHardwareDomain()) guests.add(d.id()); });
            int dom = guests.isEmpty() ? -1 : guests.get(domPick % guests.size());
            return switch (kind) {
                case 0 -> "add " + vdm.libxl().pciAssignableAdd(dev);
                case 1 -> "remove " + vdm.libxl().pciAssignableRemove(dev, true);
                case 2, 3 -> "attach " + (dom < 0 ? "-" : vdm.libxl().pciAttach(dom, dev, slot));
                case 4 -> "detach " + (dom < 0 ? "-" : vdm.libxl().pciDetach(dom, dev));
                case 5 -> "create " + vdm.libxl().domainCreate(1);
                case 6 -> "destroy " + (dom < 0 ? "-" : vdm.libxl().domainDestroy(dom));
                case 7 -> {
                    XenPtDevice pt = vdm.libxl().device(dev);
                    if (pt == null) yield "guest -";
                    long m = GuestOps.programBar0(vdm, pt);
                    yield "guest " + m + " " + (pt.interruptPin() != 0 && pt.interruptBound() ? GuestOps.takeInterrupt(vdm, pt) : -1)
                            + " " + Integer.toHexString(pt.guestRead(0x10, 4));
                }
                case 8 -> {
                    if (vdm.libxl().device(dev) != null || vdm.kernel().driver(dev) == Dom0Kernel.Driver.NONE) yield "reset -";
                    int rc = vdm.kernel().resetDeviceState(dev);
                    if (vdm.kernel().driver(dev) == Dom0Kernel.Driver.NATIVE) vdm.kernel().enableDevice(dev);
                    yield "reset " + rc + " " + Integer.toHexString(vdm.host().read(dev, 0x10, 4));
                }
                default -> {
                    LinkDevice l = vdm.host().link("LNKA").orElseThrow();
                    yield "dom0 reads " + Integer.toHexString(vdm.kernel().cfgRead(dev, 0x10, 4)) + " link " + l.current();
                }
            };
        };
    }

    private static List<Function<Vdm, String>> operations(TestHost host, SplittableRandom rnd, int n) {
        List<Function<Vdm, String>> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) ops.add(operation(host, rnd));
        return ops;
    }

    /** A booted model with ops[0..cut) applied. */
    private static Vdm modelAfter(TestHost host, Preset preset, List<Function<Vdm, String>> ops, int cut) {
        Vdm a = host.builder().preset(preset).build();
        for (int i = 0; i < cut; i++) ops.get(i).apply(a);
        return a;
    }

    /** Runs ops[from..] on both models, comparing each answer, then the final documents. */
    private static void answerAlike(List<Function<Vdm, String>> ops, int from, Vdm a, Vdm b, String what) {
        for (int i = from; i < ops.size(); i++) {
            String ra = ops.get(i).apply(a), rb = ops.get(i).apply(b);
            assertEquals(rb, ra, what + ": operation " + i);
        }
        assertEquals(Snapshot.save(b), Snapshot.save(a), what + ": final snapshots");
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("seeds")
    void aRestoredModelAnswersLikeTheOriginalAndEndsInTheSameSnapshot(TestHost host, long seed) {
        for (Preset preset : List.of(Preset.UPSTREAM, Preset.BROKEN)) {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Function<Vdm, String>> ops = operations(host, rnd, 60);
            int cut = rnd.nextInt(ops.size());
            Vdm a = modelAfter(host, preset, ops, cut);
            String saved = Snapshot.save(a);
            Vdm b = Vdm.load(saved);
            String again = Snapshot.save(b);
            if (!saved.equals(again)) {
                List<String> x = saved.lines().toList(), y = again.lines().toList();
                StringBuilder d = new StringBuilder();
                for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                    if (!x.get(i).equals(y.get(i))) d.append(i).append(": ").append(x.get(i)).append("  |  ").append(y.get(i)).append('\n');
                }
                throw new AssertionError(host + " " + SEEDS.describe(seed) + " " + preset + ": the loaded model saves another document:\n" + d);
            }
            answerAlike(ops, cut, a, b, host + " " + SEEDS.describe(seed) + " " + preset + ", snapshot at " + cut);
        }
    }

    @Test
    void badDocumentsAreRefusedWithTheReasonAndTheRunningModelIsUntouched() {
        Vdm a = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        a.libxl().pciAssignableAdd(DefaultHost.NIC);
        String saved = Snapshot.save(a);
        assertTrue(assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(saved.replace("\"version\" : 1", "\"version\" : 2")))
                .getMessage().contains("snapshot version 2 is newer than this vdm reads (1)"));
        assertTrue(assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(saved.replace("\"version\" : 1", "\"version\" : 0")))
                .getMessage().contains("unknown snapshot version 0"));
        assertTrue(assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(saved.replace("vdm-snapshot", "other")))
                .getMessage().contains("not a vdm snapshot"));
        assertTrue(assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(saved.substring(0, saved.length() / 2)))
                .getMessage().startsWith("corrupt snapshot"));
        assertTrue(assertThrows(Snapshot.SnapshotException.class, () -> Snapshot.load(saved.replace("\"toolstack\"", "\"toolstock\"")))
                .getMessage().contains("member 'toolstack' is missing"));
        assertEquals(saved, Snapshot.save(a), "failed loads change nothing");
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("seeds")
    void aStateRestoredInPlaceAfterADetourAnswersLikeALoadedSnapshot(TestHost host, long seed) {
        for (Preset preset : List.of(Preset.UPSTREAM, Preset.BROKEN)) {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Function<Vdm, String>> ops = operations(host, rnd, 60), detour = operations(host, rnd, 30);
            int cut = rnd.nextInt(ops.size());
            Vdm a = modelAfter(host, preset, ops, cut);
            ModelState state = ModelState.capture(a);
            String saved = Snapshot.save(a);
            Vdm b = Vdm.load(saved);
            assertEquals(state.fingerprint(), ModelState.capture(b).fingerprint(), host + " " + SEEDS.describe(seed) + " " + preset + ": a loaded model has the state's fingerprint");
            for (Function<Vdm, String> op : detour) op.apply(a);
            state.restore(a);
            assertEquals(state.fingerprint(), ModelState.capture(a).fingerprint(), host + " " + SEEDS.describe(seed) + " " + preset + ": fingerprint after the restore");
            assertEquals(saved, Snapshot.save(a), host + " " + SEEDS.describe(seed) + " " + preset + ": document after the restore");
            answerAlike(ops, cut, a, b, host + " " + SEEDS.describe(seed) + " " + preset + ", restored at " + cut);
        }
    }

    @Test
    void aStateOfAnotherModelIsRefusedAndTheModelIsUntouched() {
        Vdm pv = Vdm.defaultHost().preset(Preset.UPSTREAM).dom0(vdm.xen.Domain.Kind.PV).build();
        Vdm pvh = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        pvh.libxl().pciAssignableAdd(DefaultHost.NIC);
        String saved = Snapshot.save(pvh);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelState.capture(pv).restore(pvh));
        assertTrue(e.getMessage().contains("dom0 is PV with 2 vCPUs in the state but PVH with 2 vCPUs here"), e.getMessage());
        assertEquals(saved, Snapshot.save(pvh), "a refused restore changes nothing");
        Vdm other = Vdm.host(vdm.host.Host.builder().rootBridge(0).ioApic(0, 0xfec00000L, 0, 24).device("0000:00:03.0", "e1000").prt(0, 3, vdm.host.IntxPin.A, 16).describe()).build();
        e = assertThrows(IllegalArgumentException.class, () -> ModelState.capture(other).restore(pvh));
        assertTrue(e.getMessage().contains("another host"), e.getMessage());
        assertEquals(saved, Snapshot.save(pvh), "a refused restore changes nothing");
    }

    @Test
    void aDomUWithVpciButNoDeviceKeepsItsVpciThroughADocumentAndOtherDomainsWriteNothingNew() {
        Vdm a = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        int plain = a.libxl().domainCreate(1);
        assertFalse(Snapshot.save(a).contains("hasVpci"), "dom0 and a domU with what their kind has write no member");
        int emulated = a.xen().createDomainWithVpci(1).id();
        String saved = Snapshot.save(a);
        assertTrue(saved.contains("\"hasVpci\" : true"), saved);
        Vdm b = Vdm.load(saved);
        assertTrue(b.xen().domain(emulated).hasVpci(), "loaded with vPCI, though no device gives it a vPCI header");
        assertFalse(b.xen().domain(plain).hasVpci());
        assertTrue(b.dom0().hasVpci(), "a PVH dom0 has vPCI without the member");
        assertEquals(saved, Snapshot.save(b));
    }

    @Test
    void aDocumentWrittenBeforeBarsMappedLoadsWithItDerivedFromTheMappedBars() {
        Vdm a = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
        a.kernel().cfgWrite(DefaultHost.NIC, 0x04, 2, a.kernel().cfgRead(DefaultHost.NIC, 0x04, 2) & ~0x2); // NIC: nothing mapped
        assertFalse(a.dom0().header(DefaultHost.NIC).barsMapped());
        String saved = Snapshot.save(a);
        assertTrue(saved.contains("\"barsMapped\" : true") && saved.contains("\"barsMapped\" : false"), saved);
        String older = saved.replaceAll("\"barsMapped\" : (true|false),\\s*", "");
        assertFalse(older.contains("barsMapped"));
        Vdm b = Vdm.load(older);
        assertFalse(b.dom0().header(DefaultHost.NIC).barsMapped(), "no BAR of the NIC is mapped");
        assertTrue(b.dom0().header(DefaultHost.GPU).barsMapped(), "the GPU's BARs are mapped");
        assertEquals(saved, Snapshot.save(b), "derived as the model had it");
    }
}
