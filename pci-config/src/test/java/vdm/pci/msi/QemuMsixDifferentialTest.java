package vdm.pci.msi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vdm.pci.Mode;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.catalog.Placement;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;
import vdm.testkit.QemuVersion;
import vdm.testkit.Qtest;
import vdm.testkit.Seeds;

/**
 * The MSI-X table and PBA against real QEMU 7.2 (qtest, paused, q35): QEMU's nvme (table at BAR0 + 0x2000, 65 entries,
 * PBA at 0x3000) and e1000e (BAR3: table at 0, 5 entries, PBA at 0x2000) with their BAR placed and memory decoding on.
 * Random sequences of table and PBA reads and writes of 1, 2, 4 and 8 bytes, aligned or not, mixed with writes to
 * Message Control's enable and Function Mask bits, must read back what QEMU reads: the reset values (entries zero
 * and masked), what the table keeps of each write, 0 for the accesses QEMU's memory core refuses (narrower than 4 or
 * unaligned), and a PBA that writes do not change. Nothing fires a vector here (QEMU's devices raise none while
 * paused), so the pending latch is checked against QEMU's code by the unit tests, not here.
 */
class QemuMsixDifferentialTest {
    private static final long ECAM = 0xb000_0000L;
    private static final int OPS = Integer.getInteger("vdm.qemu.ops", 3000);
    private static final Seeds SEEDS = Seeds.of(QemuMsixDifferentialTest.class, 1);
    private static Qtest qemu;

    @BeforeAll
    static void startQemu() throws Exception {
        QemuVersion.requireInstalled(QemuVersion.BOOKWORM);
        qemu = Qtest.start("q35",
                "-device", "nvme,serial=vdm,bus=pcie.0,addr=04.0",
                "-device", "e1000e,bus=pcie.0,addr=05.0,mac=52:54:00:12:34:56");
        qemu.enableEcam(ECAM);
    }

    @AfterAll
    static void stopQemu() {
        if (qemu != null) qemu.close();
    }

    @ParameterizedTest(name = "{0} at 00:{1}.0, BAR{2} at {3}")
    @CsvSource({"nvme, 4, 0, 0xfe000000", "e1000e, 5, 3, 0xfe100000"})
    void tableAndPbaAccessesReadTheSameAsQemu(String device, int slot, int bar, String where) {
        long barAddress = Long.decode(where);
        long cfg = Qtest.ecam(ECAM, 0, slot, 0, 0);
        qemu.writel(cfg + 0x10 + 4 * bar, (int) barAddress);
        if (device.equals("nvme")) qemu.writel(cfg + 0x14, 0);
        qemu.writew(cfg + 0x04, 0x2);
        ConfigSpace cs = Engine.COMPILED.create(DeviceCatalog.layout(device, Mode.QEMU_COMPAT, Placement.ROOT_BUS));
        cs.write(0x04, 2, 0x2);
        MsixTable vdm = MsixTable.of(cs);
        MessageSink none = (a, d) -> { throw new AssertionError("nothing may be sent: nothing fired"); };
        long tableAt = barAddress + vdm.tableOffset(), pbaAt = barAddress + vdm.pbaOffset();
        for (int off = 0; off < vdm.tableBytes(); off += 4) {
            int o = off;
            assertEquals(qemu.readl(tableAt + o) & 0xffff_ffffL, vdm.readTable(o, 4), () -> device + " reset table dword at " + o);
        }
        SplittableRandom rnd = new SplittableRandom(SEEDS.base());
        Deque<String> recent = new ArrayDeque<>();
        for (int i = 0; i < OPS; i++) {
            int kind = rnd.nextInt(10);
            if (kind == 0) { // Message Control: enable and Function Mask
                int ctl = rnd.nextInt(4) << 14;
                int old = cs.read(vdm.controlOffset(), 2);
                qemu.writew(cfg + vdm.controlOffset(), ctl);
                cs.write(vdm.controlOffset(), 2, ctl);
                vdm.controlWritten(old, none);
                remember(recent, String.format("control 0x%04x", ctl));
                continue;
            }
            boolean pba = kind == 1;
            int size = 1 << rnd.nextInt(4);
            int span = pba ? vdm.pbaBytes() : vdm.tableBytes();
            long offset = rnd.nextInt(4) == 0 ? rnd.nextInt(span - size + 1) : rnd.nextInt(span / size) * (long) size;
            long at = (pba ? pbaAt : tableAt) + offset;
            if (rnd.nextBoolean()) {
                long value = rnd.nextInt(3) == 0 ? -1L : rnd.nextLong();
                if (!pba && rnd.nextBoolean()) value &= ~1L; // unmask now and then
                qemu.command(String.format("write%s 0x%x 0x%x", suffix(size), at, size == 8 ? value : value & ((1L << 8 * size) - 1)));
                if (pba) {
                    // PBA writes are dropped (MsixTable exposes no PBA write): nothing to do on vdm's side
                } else {
                    vdm.writeTable(offset, size, value, none);
                }
                remember(recent, String.format("write %s+0x%x %d 0x%x", pba ? "pba" : "table", offset, size, value));
            } else {
                long q = Long.parseUnsignedLong(qemu.command(String.format("read%s 0x%x", suffix(size), at)).split(" ")[1].substring(2), 16);
                long v = pba ? vdm.readPba(offset, size) : vdm.readTable(offset, size);
                remember(recent, String.format("read  %s+0x%x %d -> qemu 0x%x vdm 0x%x", pba ? "pba" : "table", offset, size, q, v));
                int step = i;
                assertEquals(q, v, () -> String.format("%s diverged from QEMU at step %d (%s); last operations:%n  %s", device,
                        step, SEEDS.describe(SEEDS.base()), String.join("\n  ", recent)));
            }
        }
    }

    private static String suffix(int size) {
        return switch (size) {
            case 1 -> "b";
            case 2 -> "w";
            case 4 -> "l";
            default -> "q";
        };
    }

    private static void remember(Deque<String> recent, String op) {
        if (recent.size() == 12) recent.removeFirst();
        recent.addLast(op);
    }
}
