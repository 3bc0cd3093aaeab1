package vdm.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vdm.capture.Aml.b;
import static vdm.capture.Aml.cat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.host.BridgeDescriptor;
import vdm.host.FunctionSource;
import vdm.host.HostDescription;
import vdm.host.IntxPin;
import vdm.host.IoApicDescriptor;
import vdm.host.LinkDescriptor;
import vdm.host.PrtEntry;
import vdm.host.RootBus;
import vdm.host.Sci;
import vdm.host.Window;
import vdm.ioapic.InterruptSourceOverride;
import vdm.ioapic.Polarity;
import vdm.ioapic.TriggerMode;
import vdm.pci.Sbdf;
import vdm.persist.HostJsonReader;
import vdm.persist.HostJsonWriter;

/**
 * A sysfs tree and ACPI tables written by the test: a host bridge, a NIC wired to GSI 28, a root port at 00:1c.0
 * with a device behind it routed through link LNKA, a function whose INTB no _PRT routes, two IO-APICs and an
 * override of the SCI's IRQ 9. The capture is compared with what those tables say, field by field.
 */
class SyntheticCaptureTest {
    @TempDir
    Path root;
    Path sysfs;
    Path acpi;

    @BeforeEach
    void machine() throws IOException {
        sysfs = Files.createDirectories(root.resolve("devices"));
        acpi = Files.createDirectories(root.resolve("tables"));
        function("0000:00:00.0", endpoint(0x8086, 0x29c0, 0x060000, 0), resources(13));
        byte[] nic = endpoint(0x8086, 0x10d3, 0x020000, 1);
        dword(nic, 0x10, 0xfebc0000L);                                  // BAR0 mem32 at 0xfebc0000, 128 KiB
        function("0000:00:03.0", nic, resources(13, new long[] {0xfebc0000L, 0xfebdffffL, 0x40200}));
        byte[] port = new byte[256];
        ids(port, 0x8086, 0x7450, 0x060400);
        port[0x0e] = 1;
        port[0x3d] = 1;
        port[0x18] = 0;
        port[0x19] = 1;
        port[0x1a] = 1;
        port[0x20] = (byte) 0x80;                                            // memory base 0xfe800000
        port[0x21] = (byte) 0xfe;
        port[0x22] = (byte) 0x80;                                       // memory limit 0xfe8fffff
        port[0x23] = (byte) 0xfe;
        long[][] bridgeRes = new long[17][];
        bridgeRes[14] = new long[] {0xfe800000L, 0xfe8fffffL, 0x200};
        function("0000:00:1c.0", port, bridgeRes);
        byte[] nvme = endpoint(0x8086, 0x5845, 0x010802, 1);
        dword(nvme, 0x10, 0xfe800004L);                                 // BAR0 mem64 at 0xfe800000, 16 KiB
        function("0000:01:00.0", nvme, resources(13, new long[] {0xfe800000L, 0xfe803fffL, 0x140204}));
        function("0000:00:05.0", endpoint(0x1b36, 0x0001, 0x078000, 2), resources(13));

        Files.write(acpi.resolve("APIC"), Aml.table("APIC", 4, cat(Aml.le32(0xfee00000L), Aml.le32(1),
                b(0, 8, 0, 0, 1, 0, 0, 0),                              // a local APIC: ignored
                b(1, 12, 0, 0), Aml.le32(0xfec00000L), Aml.le32(0),     // IO-APIC 0, GSI base 0
                b(1, 12, 1, 0), Aml.le32(0xfec01000L), Aml.le32(24),    // IO-APIC 1, GSI base 24
                b(2, 10, 0, 9), Aml.le32(9), Aml.le16(0xd))));          // IRQ9 -> GSI 9, level, active high
        byte[] fadt = new byte[244 - 36];
        fadt[46 - 36] = 9;                                              // SCI_INT
        Files.write(acpi.resolve("FACP"), Aml.table("FACP", 6, fadt));
        Files.write(acpi.resolve("MCFG"), Aml.table("MCFG", 1, cat(new byte[8], Aml.le32(0xe0000000L), Aml.le32(0),
                Aml.le16(0), b(0, 0xff), new byte[4])));
        Files.write(acpi.resolve("DSDT"), Aml.table("DSDT", 2, dsdt()));
    }

    /** As a firmware's DSDT would declare it; _PRT is a method choosing by PICF, as QEMU's q35 does. */
    private static byte[] dsdt() {
        byte[] prta = Aml.pack(
                Aml.pack(Aml.dword(0x0003ffff), Aml.integer(0), Aml.integer(0), Aml.integer(28)),
                Aml.pack(Aml.dword(0x001cffff), Aml.integer(0), Aml.integer(0), Aml.integer(16)));
        byte[] prtp = Aml.pack(
                Aml.pack(Aml.dword(0x0003ffff), Aml.integer(0), Aml.name("LNKA"), Aml.integer(0)));
        return cat(
                Aml.nameOp("PICF", Aml.integer(0)),
                Aml.scope("\\_SB_",
                        Aml.device("PCI0",
                                Aml.nameOp("_HID", Aml.eisa("PNP0A08")),
                                Aml.nameOp("_CID", Aml.eisa("PNP0A03")),
                                Aml.nameOp("_SEG", Aml.integer(0)),
                                Aml.nameOp("_BBN", Aml.integer(0)),
                                Aml.nameOp("PRTA", prta),
                                Aml.nameOp("PRTP", prtp),
                                Aml.method("_PRT", 0,
                                        Aml.ifOp(Aml.lequal(Aml.name("PICF"), Aml.integer(0)), Aml.ret(Aml.name("PRTP"))),
                                        Aml.elseOp(Aml.ret(Aml.name("PRTA")))),
                                Aml.device("RP01",
                                        Aml.nameOp("_ADR", Aml.dword(0x001c0000)),
                                        Aml.nameOp("_PRT", Aml.pack(
                                                Aml.pack(Aml.dword(0x0000ffff), Aml.integer(0), Aml.name("^^LNKA"), Aml.integer(0)))))),
                        Aml.device("LNKA",
                                Aml.nameOp("_HID", Aml.eisa("PNP0C0F")),
                                Aml.nameOp("_UID", Aml.integer(1)),
                                Aml.nameOp("_PRS", Aml.extendedIrqs(true, true, 20, 21, 22, 23)),
                                Aml.method("_CRS", 0, Aml.ret(Aml.extendedIrqs(true, true, 21))))));
    }

    @Test
    void theMemoryMapIsCapturedWhenItsDirectoryIsGiven() throws IOException {
        Path e = Files.createDirectories(root.resolve("memmap/0"));
        Files.writeString(e.resolve("start"), "0xfd000000\n");
        Files.writeString(e.resolve("end"), "0xfdffffff\n");
        Files.writeString(e.resolve("type"), "Reserved\n");
        HostDescription d = HostCapture.capture(sysfs, acpi, root.resolve("memmap"), Map.of()).description();
        assertEquals(List.of(new vdm.host.MemoryRegion(0xfd000000L, 0xfdffffffL, vdm.host.MemoryRegion.Type.RESERVED)), d.memoryMap());
        assertEquals(List.of(), HostCapture.capture(sysfs, acpi).description().memoryMap(), "test tables: no memory map read");
    }

    @Test
    void theDescriptionSaysWhatTheTablesAndSysfsSay() {
        Capture c = HostCapture.capture(sysfs, acpi);
        HostDescription d = c.description();
        assertEquals(List.of(new RootBus(0, 0)), d.rootBuses());
        assertEquals(List.of(new IoApicDescriptor(0, 0xfec00000L, 0, 24), new IoApicDescriptor(1, 0xfec01000L, 24, 24)),
                d.madt().ioApics());
        assertEquals(List.of(InterruptSourceOverride.IRQ0_TO_GSI2, new InterruptSourceOverride(9, 9, 0xd)), d.madt().overrides());
        assertEquals(new Sci(9, TriggerMode.LEVEL, Polarity.ACTIVE_HIGH), d.madt().sci(), "the SCI takes its override's flags");

        assertEquals(1, d.bridges().size());
        BridgeDescriptor port = d.bridges().getFirst();
        assertEquals(Sbdf.parse("00:1c.0"), port.sbdf());
        assertEquals(1, port.secondaryBus());
        assertEquals(1, port.subordinateBus());
        assertEquals(new Window(0xfe800000L, 0xfe8fffffL), port.memory());
        assertNull(port.io());
        assertNull(port.prefetchable());

        assertEquals(List.of(Sbdf.parse("00:00.0"), Sbdf.parse("00:03.0"), Sbdf.parse("01:00.0")),
                d.functions().stream().map(f -> f.sbdf()).toList(), "00:05.0's INTB has no _PRT entry: left out");
        FunctionSource.Dump nic = (FunctionSource.Dump) d.function(Sbdf.parse("00:03.0")).orElseThrow().source();
        assertEquals(Map.of(0, 0x20000L), nic.barSizes());
        FunctionSource.Dump nvme = (FunctionSource.Dump) d.function(Sbdf.parse("01:00.0")).orElseThrow().source();
        assertEquals(Map.of(0, 0x4000L), nvme.barSizes());

        assertEquals(List.of(PrtEntry.direct(0, 0, 3, IntxPin.A, 28), PrtEntry.direct(0, 0, 0x1c, IntxPin.A, 16),
                PrtEntry.viaLink(0, 1, 0, IntxPin.A, "LNKA")), d.prt(), "the APIC-mode package, and the root port's _PRT");
        assertEquals(List.of(LinkDescriptor.pci("LNKA", List.of(20, 21, 22, 23), 21)), d.links());

        assertEquals(List.of(new McfgTable.Segment(0xe0000000L, 0, 0, 0xff)), c.report().mcfg());
        assertTrue(c.report().notCaptured().stream().anyMatch(o -> o.what().equals("function 0000:00:05.0 INTB")), c.report()::render);
        assertEquals("the MADT does not say; 24, the 82093AA's count", c.report().ioApics().get(1).pinsChosen());
        assertTrue(c.report().ioApics().get(0).pinsChosen().contains("next IO-APIC's GSI base 24")
                || c.report().ioApics().get(0).pinsChosen().contains("82093AA"), c.report()::render);
    }

    @Test
    void theWrittenFileReadsBackEqual() throws IOException {
        HostDescription d = HostCapture.capture(sysfs, acpi).description();
        Path file = root.resolve("host.json");
        Files.writeString(file, HostJsonWriter.toJson(d));
        assertEquals(d, HostJsonReader.read(file));
    }

    @Test
    void aPinCountGivenByIdIsUsed() {
        Capture c = HostCapture.capture(sysfs, acpi, Map.of(1, 32));
        assertEquals(32, c.description().madt().ioApics().get(1).pins());
        assertEquals("given with --ioapic-pins", c.report().ioApics().get(1).pinsChosen());
    }

    @Test
    void aTableWithABadChecksumIsRefusedNamingIt() throws IOException {
        byte[] t = Files.readAllBytes(acpi.resolve("APIC"));
        t[9]++;
        Files.write(acpi.resolve("APIC"), t);
        CaptureException e = assertThrows(CaptureException.class, () -> HostCapture.capture(sysfs, acpi));
        assertTrue(e.getMessage().contains("APIC: bad checksum"), e.getMessage());
    }

    @Test
    void aTableShorterThanItsLengthFieldIsTruncated() throws IOException {
        byte[] t = Files.readAllBytes(acpi.resolve("MCFG"));
        Files.write(acpi.resolve("MCFG"), java.util.Arrays.copyOf(t, t.length - 4));
        CaptureException e = assertThrows(CaptureException.class, () -> HostCapture.capture(sysfs, acpi));
        assertTrue(e.getMessage().contains("length field (offset 4) says 60 bytes but there are 56: the table is truncated"), e.getMessage());
    }

    @Test
    void aMadtStructureRunningPastTheTableIsTruncated() throws IOException {
        Files.write(acpi.resolve("APIC"), Aml.table("APIC", 4, cat(Aml.le32(0xfee00000L), Aml.le32(1),
                b(1, 12, 0, 0), Aml.le32(0xfec00000L))));
        CaptureException e = assertThrows(CaptureException.class, () -> HostCapture.capture(sysfs, acpi));
        assertTrue(e.getMessage().contains("MADT structure type 1 at offset 44 has length 12, which runs past the end"), e.getMessage());
    }

    @Test
    void aMissingConfigFileIsNamed() throws IOException {
        Files.delete(sysfs.resolve("0000:00:03.0/config"));
        CaptureException e = assertThrows(CaptureException.class, () -> HostCapture.capture(sysfs, acpi));
        assertTrue(e.getMessage().endsWith("0000:00:03.0/config: cannot read: no such file"), e.getMessage());
    }

    private void function(String sbdf, byte[] config, long[][] res) throws IOException {
        Path dir = Files.createDirectories(sysfs.resolve(sbdf));
        Files.write(dir.resolve("config"), config);
        StringBuilder s = new StringBuilder();
        for (long[] r : res) {
            long[] v = r == null ? new long[3] : r;
            s.append(String.format("0x%016x 0x%016x 0x%016x%n", v[0], v[1], v[2]));
        }
        Files.writeString(dir.resolve("resource"), s);
    }

    private static long[][] resources(int lines, long[]... first) {
        long[][] out = new long[lines][];
        System.arraycopy(first, 0, out, 0, first.length);
        return out;
    }

    private static byte[] endpoint(int vendor, int device, int classCode, int pin) {
        byte[] c = new byte[256];
        ids(c, vendor, device, classCode);
        c[0x3d] = (byte) pin;
        return c;
    }

    private static void ids(byte[] c, int vendor, int device, int classCode) {
        c[0] = (byte) vendor;
        c[1] = (byte) (vendor >>> 8);
        c[2] = (byte) device;
        c[3] = (byte) (device >>> 8);
        c[9] = (byte) classCode;
        c[10] = (byte) (classCode >>> 8);
        c[11] = (byte) (classCode >>> 16);
    }

    private static void dword(byte[] c, int off, long v) {
        for (int i = 0; i < 4; i++) c[off + i] = (byte) (v >>> (8 * i));
    }
}
