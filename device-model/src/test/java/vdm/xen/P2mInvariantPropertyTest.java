package vdm.xen;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.pci.Sbdf;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.ResetKind;
import vdm.testkit.Seeds;

/**
 * Random sequences of resets (always announced with PHYSDEVOP_pci_device_reset, as the fix does), BAR writes,
 * COMMAND and ROM toggles by dom0 and by a domU holding a device, assignment moves and pirq hypercalls never leave a
 * p2m holding a range its device does not decode, and never map one machine range into two domains. Pinned seeds
 * by default; the seed is printed at the start and on failure, with the -Dvdm.seed flag that replays it
 * ({@link Seeds}).
 */
class P2mInvariantPropertyTest {
    private static final String[] DEVICES = {"0000:00:03.0", "0000:00:04.0", "0000:00:05.0"};
    private static final Seeds SEEDS = Seeds.of(P2mInvariantPropertyTest.class, 1);

    static LongStream seeds() {
        return SEEDS.cases(40);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomOperationsKeepEveryMappingDecodedAndExclusive(long seed) {
        TestBus bus = new TestBus().add(DEVICES[0], "e1000").add(DEVICES[1], "e1000e").add(DEVICES[2], "gpu");
        Xen xen = new Xen(XenConfig.UPSTREAM, bus, PhysdevTestSupport.gsis(), 9);
        Domain dom0 = xen.createDom0(Domain.Kind.PVH, 2);
        Domain domU = xen.createDomainWithVpci(1);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> history = new ArrayList<>();
        for (int step = 0; step < 400; step++) {
            Sbdf dev = Sbdf.parse(DEVICES[rnd.nextInt(DEVICES.length)]);
            Domain owner = xen.owner(dev);
            Vcpu v = owner.vcpu(rnd.nextInt(owner.vcpuCount()));
            int base = dev.devfn() << 12;
            int op = rnd.nextInt(10);
            String what;
            switch (op) {
                case 0, 1 -> {
                    // A sane OS: size-aligned addresses in a window of the device's own, or a whole sizing sequence.
                    int n = rnd.nextInt(6);
                    vdm.pci.layout.Bar bar = bus.space(dev.toString()).layout().bar(n);
                    int reg = 0x10 + 4 * n;
                    if (bar == null) {
                        xen.ecamWrite(v, base | reg, 4, rnd.nextInt());
                        what = String.format("%s write unimplemented/upper BAR reg 0x%x", v, reg);
                    } else if (rnd.nextInt(4) == 0) {
                        int saved = xen.ecamRead(v, base | reg, 4);
                        xen.ecamWrite(v, base | reg, 4, 0xffffffff);
                        xen.ecamRead(v, base | reg, 4);
                        xen.ecamWrite(v, base | reg, 4, saved);
                        what = String.format("%s size BAR%d", v, n);
                    } else {
                        long window = bar.kind() == vdm.pci.layout.BarKind.MEM64 ? 0x40_0000_0000L + ((long) dev.device() << 32)
                                : 0xc000_0000L + ((long) (dev.device() - 3) << 28);
                        long addr = (window + rnd.nextLong(0x1000_0000L)) & ~(bar.size() - 1);
                        xen.ecamWrite(v, base | reg, 4, (int) addr);
                        if (bar.kind() == vdm.pci.layout.BarKind.MEM64) xen.ecamWrite(v, base | (reg + 4), 4, (int) (addr >>> 32));
                        what = String.format("%s BAR%d = 0x%x", v, n, addr);
                    }
                }
                case 2, 3 -> {
                    int cmd = rnd.nextInt(8) & 0x6;
                    xen.ecamWrite(v, base | 0x04, 2, cmd);
                    what = String.format("%s COMMAND = 0x%x", v, cmd);
                }
                case 4 -> {
                    int rom = 0xfe000000 | rnd.nextInt(2);
                    xen.ecamWrite(v, base | 0x30, 4, rom);
                    what = String.format("%s ROM = 0x%08x", v, rom);
                }
                case 5 -> {
                    ConfigSpace cs = bus.space(dev.toString());
                    cs.reset(ResetKind.values()[rnd.nextInt(3)]);
                    int rc = xen.physdev().pciDeviceReset(dom0, dev, PhysdevOps.RESET_FLR);
                    what = "reset " + dev + " + pci_device_reset = " + rc;
                }
                case 6 -> {
                    Domain to = owner == dom0 ? domU : dom0;
                    if (to == domU) xen.assignDevice(domU.id(), dev); else xen.deassignDevice(domU.id(), dev);
                    what = "move " + dev + " to d" + to.id();
                }
                case 7 -> {
                    int gsi = 16 + rnd.nextInt(40);
                    PhysdevOps.PirqResult r = xen.physdev().mapPirq(dom0, domU.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, -1);
                    what = "map_pirq gsi " + gsi + " = " + r;
                }
                case 8 -> {
                    int pirq = 16 + rnd.nextInt(40);
                    what = "unmap_pirq " + pirq + " = " + xen.physdev().unmapPirq(dom0, domU.id(), pirq);
                }
                default -> {
                    what = "setup_gsi = " + xen.physdev().setupGsi(dom0, 16 + rnd.nextInt(40), 1, 1);
                }
            }
            history.add(what);
            if (history.size() > 15) history.removeFirst();
            String violation = check(xen, bus);
            if (violation != null) {
                fail(String.format("%s, step %d: %s%nlast operations:%n  %s", SEEDS.describe(seed), step, violation, String.join("\n  ", history)));
            }
        }
    }

    /**
     * Every mapped range is a BAR its device decodes at that machine address (or, for dom0, the part of it after an
     * MSI-X hole); no machine range in two domains.
     */
    static String check(Xen xen, TestBus bus) {
        Map<Long, String> machine = new HashMap<>();
        for (Domain d : xen.domains()) {
            for (P2m.Range r : d.p2m().ranges()) {
                ConfigSpace cs = bus.space(r.owner().device().toString());
                int cmd = cs.read(0x04, 2);
                long decoded;
                if (r.owner().bar() == P2m.ROM) {
                    int rom = cs.read(0x30, 4);
                    decoded = (cmd & 2) != 0 && (rom & 1) != 0 ? rom & 0xfffff800L : -1;
                } else {
                    int n = r.owner().bar();
                    int lo = cs.read(0x10 + 4 * n, 4);
                    long addr = lo & 0xfffffff0L;
                    if ((lo & 6) == 4) addr |= (long) cs.read(0x14 + 4 * n, 4) << 32;
                    decoded = (cmd & 2) != 0 ? addr : -1;
                }
                // Since modify_bars leaves a BAR's MSI-X table and PBA pages out, a range of dom0 may also start
                // inside the BAR, just after such a hole: the frame before it is then not mapped, and the device has
                // MSI-X trapped by vPCI.
                boolean afterHole = d.isHardwareDomain() && decoded >= 0 && r.machineAddress() > decoded
                        && r.gfn() == r.mfn() && d.p2m().translate(r.guestAddress() - 4096) < 0
                        && xen.dom0().header(r.owner().device()) != null && xen.dom0().header(r.owner().device()).msixTrapped();
                if (decoded != r.machineAddress() && !afterHole) {
                    return String.format("d%d maps %s at machine 0x%x but the device decodes %s", d.id(), r.owner(),
                            r.machineAddress(), decoded < 0 ? "nothing" : String.format("0x%x", decoded));
                }
                String before = machine.put(r.mfn(), "d" + d.id() + " " + r.owner());
                if (before != null) return "machine frame " + Long.toHexString(r.mfn()) + " mapped twice: " + before + " and d" + d.id();
            }
        }
        return null;
    }
}
