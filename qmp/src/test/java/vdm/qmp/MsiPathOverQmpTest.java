package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vdm.qmp.MmioAndMsiOverQmpTest.ask;
import static vdm.qmp.MmioAndMsiOverQmpTest.configRead;
import static vdm.qmp.MmioAndMsiOverQmpTest.configWrite;
import static vdm.qmp.MmioAndMsiOverQmpTest.error;
import static vdm.qmp.MmioAndMsiOverQmpTest.loopback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import vdm.model.Preset;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;

/**
 * The MSI-X path end to end over a real loopback server on WideHost, as an external tool drives it: a table
 * programmed as dom0 reaches it (through vPCI's trap, msix.c) or as a guest reaches it (through QEMU's emulated table,
 * xen_pt_msi.c), the device fired, and the receipt read in the domain it reached. The nvme at 02:00.0 has MSI-X only:
 * 65 entries, the table at BAR0 + 0x2000, entries of 16 bytes (address low, high, data, vector control whose bit 0
 * masks; PCI 3.0 6.8.2). An MSI's vector is its data's low byte and its destination APIC id address bits 19:12, in
 * physical mode (Intel SDM 10.11); vmsi_deliver hands the vector to the destination's vLAPIC.
 */
class MsiPathOverQmpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NVME = MmioAndMsiOverQmpTest.NVME;
    private static final int MSIX_CONTROL = 0x42, COMMAND = 0x04, TABLE = 0x2000, DATA = 8, VECTOR_CONTROL = 12;
    private static final long GUEST_BAR = 0xe000_0000L;

    /** A server on WideHost whose model the test can also ask (Xen's console ring: the lines upstream prints). */
    private record Served(TestServer server, Model model) implements AutoCloseable {
        static Served start() throws IOException {
            return start(MmioAndMsiOverQmpTest.wideHost());
        }

        /** {@code host} null: the default host. */
        static Served start(java.nio.file.Path host) throws IOException {
            CommandRegistry registry = CommandRegistry.withCoreCommands();
            Model model = new Model(host, Preset.UPSTREAM);
            PassthroughCommands.register(registry, model);
            return new Served(TestServer.start(registry, QmpServer.Config.DEFAULTS, true), model);
        }

        long xenLines(String text) {
            return model.vdm().xen().log().events().stream().filter(e -> e.message().contains(text)).count();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static long bar0(TestServer.Conn c) throws IOException {
        return (configRead(c, NVME, 0x10, 4) & ~0xfL) | configRead(c, NVME, 0x14, 4) << 32;
    }

    private static long read(TestServer.Conn c, String view, long address, int size) throws IOException {
        JsonNode r = ask(c, "x-vdm-mmio-read", "\"view\": \"" + view + "\", \"address\": " + address + ", \"size\": " + size);
        assertTrue(r.has("return"), r.toString());
        return r.get("return").get("value").asLong();
    }

    private static void write(TestServer.Conn c, String view, long address, int size, long value) throws IOException {
        JsonNode r = ask(c, "x-vdm-mmio-write", "\"view\": \"" + view + "\", \"address\": " + address + ", \"size\": " + size
                + ", \"value\": " + value);
        assertEquals("{}", r.get("return").toString(), r.toString());
    }

    private static void viewConfigWrite(TestServer.Conn c, String view, int offset, int size, long value) throws IOException {
        JsonNode r = ask(c, "x-vdm-config-write", "\"hostaddr\": \"" + NVME + "\", \"offset\": " + offset + ", \"size\": " + size
                + ", \"value\": " + value + ", \"view\": \"" + view + "\"");
        assertTrue(r.has("return"), r.toString());
    }

    private static String fire(TestServer.Conn c, int entry) throws IOException {
        JsonNode r = ask(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + NVME + "\", \"vector\": " + entry).get("return");
        assertEquals("MSI-X", r.get("capability").asText(), r.toString());
        return r.get("outcome").asText();
    }

    private static JsonNode receipts(TestServer.Conn c, int domid) throws IOException {
        JsonNode r = ask(c, "x-vdm-query-msi-receipts", "\"domid\": " + domid);
        assertTrue(r.has("return"), r.toString());
        return r.get("return");
    }

    /**
     * dom0 programs entry 0 as Linux's msix_capability_init does (enable with the function masked, program, unmask the
     * function, then the entry): vPCI keeps dom0's message (msix_write), and the entry's unmask maps and binds a pirq
     * (vpci_msix_arch_enable_entry), so the device's interrupt reaches dom0 on dom0's vector.
     */
    @Test
    void dom0ProgramsItsTableThroughVpciAndTheFiredVectorIsReceivedInDom0() throws IOException {
        try (Served s = Served.start(); TestServer.Conn c = loopback(s.server())) {
            assertEquals(JSON.readTree("{\"domid\": 0, \"vectors\": [], \"total\": 0}"), receipts(c, 0));
            viewConfigWrite(c, "dom0", COMMAND, 2, configRead(c, NVME, COMMAND, 2) | 0x6); // bus master on
            long entry0 = bar0(c) + TABLE;
            viewConfigWrite(c, "dom0", MSIX_CONTROL, 2, 0xc000); // Enable | Function Mask
            write(c, "dom0", entry0, 4, 0xfee0_0000L); // destination APIC id 0, physical
            write(c, "dom0", entry0 + 4, 4, 0);
            write(c, "dom0", entry0 + DATA, 4, 0x45);
            viewConfigWrite(c, "dom0", MSIX_CONTROL, 2, 0x8000);
            write(c, "dom0", entry0 + VECTOR_CONTROL, 4, 0);
            assertEquals(0x45, read(c, "dom0", entry0 + DATA, 4), "vPCI answers dom0's own message");
            assertEquals(0, read(c, "hardware", entry0 + VECTOR_CONTROL, 4), "Xen unmasked the physical entry");

            assertEquals("sent", fire(c, 0));
            assertEquals(JSON.readTree("{\"domid\": 0, \"vectors\": [{\"vector\": 69, \"count\": 1, \"destination\": 0}], \"total\": 1}"),
                    receipts(c, 0));
            assertEquals("sent", fire(c, 0));
            assertEquals(2, receipts(c, 0).get("vectors").get(0).get("count").asInt());
        }
    }

    /**
     * vPCI's access_allowed takes aligned 4- and 8-byte table accesses only: anything else is dropped (a read gives all
     * ones) with "unaligned or invalid size MSI-X table access" on Xen's console.
     */
    @Test
    void dom0sMisalignedOrNarrowTableAccessesAreDroppedAndLoggedByVpci() throws IOException {
        try (Served s = Served.start(); TestServer.Conn c = loopback(s.server())) {
            long entry0 = bar0(c) + TABLE;
            String warning = "0000:02:00.0: unaligned or invalid size MSI-X table access";
            write(c, "dom0", entry0 + DATA, 4, 0x45);
            write(c, "dom0", entry0 + DATA, 2, 0x99);
            assertEquals(1, s.xenLines(warning));
            write(c, "dom0", entry0 + DATA + 2, 4, 0x7777_7777L);
            assertEquals(2, s.xenLines(warning));
            assertEquals(0xffff, read(c, "dom0", entry0 + DATA, 2));
            assertEquals(-1L, read(c, "dom0", entry0 + 4, 8), "a misaligned QWORD reads all ones");
            assertEquals(4, s.xenLines(warning), "the dropped reads were logged too");
            assertEquals(0x45, read(c, "dom0", entry0 + DATA, 4), "neither dropped write changed dom0's entry");
        }
    }

    /**
     * The device's table (QEMU's msix_table_mmio_ops: aligned DWORDs and QWORDs, impl 4 bytes) gets what the bus
     * delivers: a narrow access reads 0 and is dropped, an unaligned one is cut into aligned pieces of which only
     * DWORDs reach the table.
     */
    @Test
    void theHardwareCutsAMisalignedTableAccessIntoAlignedPiecesAndDropsNarrowOnes() throws IOException {
        try (Served s = Served.start(); TestServer.Conn c = loopback(s.server())) {
            long entry3 = bar0(c) + TABLE + 3 * 16;
            write(c, "hardware", entry3 + 4, 8, 0x0000_4444_0000_0001L); // address high, then data: two DWORDs
            assertEquals(1, read(c, "hardware", entry3 + 4, 4));
            assertEquals(0x4444, read(c, "hardware", entry3 + DATA, 4));
            assertEquals(0x0000_4444_0000_0001L, read(c, "hardware", entry3 + 4, 8), "read back cut the same way");
            write(c, "hardware", entry3 + DATA, 2, 0x99);
            write(c, "hardware", entry3 + DATA + 2, 4, 0x7777_7777L); // two WORDs: neither reaches the table
            assertEquals(0x4444, read(c, "hardware", entry3 + DATA, 4));
            assertEquals(0, read(c, "hardware", entry3 + DATA, 2), "a WORD reads 0");
            assertEquals(0, s.xenLines("MSI-X table access"), "Xen was not involved");
        }
    }

    /** Attaches the nvme to a new 2-vCPU guest at the guest's first free slot, BAR0 at GUEST_BAR, decoding and bus master on. */
    private static int attach(TestServer.Conn c) throws IOException {
        assertTrue(ask(c, "x-vdm-assignable-add", "\"hostaddr\": \"" + NVME + "\"").has("return"));
        int domid = ask(c, "x-vdm-domain-create", "\"vcpus\": 2").get("return").get("domid").asInt();
        JsonNode add = ask(c, "device_add", "\"driver\": \"xen-pci-passthrough\", \"id\": \"nvme0\", \"hostaddr\": \"" + NVME
                + "\", \"domain\": " + domid);
        assertTrue(add.has("return"), add.toString());
        viewConfigWrite(c, "guest", 0x10, 4, GUEST_BAR | 0x4); // a 64-bit memory BAR
        viewConfigWrite(c, "guest", 0x14, 4, 0);
        viewConfigWrite(c, "guest", COMMAND, 2, 0x6);
        return domid;
    }

    /**
     * The guest's table is QEMU's (xen_pt_msix_init; its pages are left out of the guest's p2m): the guest's write is
     * latched, and the entry's unmask with MSI-X enabled maps a pirq and binds it with the guest's vector and destination
     * (xen_pt_msix_update_one: xc_physdev_map_pirq_msi, xc_domain_update_msi_irq). The device's interrupt then reaches
     * the guest's vCPU 1 (APIC id 2), and none reaches dom0.
     */
    @Test
    void aGuestProgramsQemusTableAfterAnAttachAndTheFiredVectorIsReceivedInTheGuest() throws IOException {
        try (Served s = Served.start(); TestServer.Conn c = loopback(s.server())) {
            int domid = attach(c);
            long entry0 = GUEST_BAR + TABLE;
            assertEquals(1, read(c, "guest", entry0 + VECTOR_CONTROL, 4), "QEMU's entries start masked");
            write(c, "guest", entry0, 4, 0xfee0_2000L); // destination APIC id 2
            write(c, "guest", entry0 + 4, 4, 0);
            write(c, "guest", entry0 + DATA, 4, 0x51);
            viewConfigWrite(c, "guest", MSIX_CONTROL, 2, 0x8000);
            write(c, "guest", entry0 + VECTOR_CONTROL, 4, 0);
            assertEquals(0x51, read(c, "guest", entry0 + DATA, 4));
            assertFalse(ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + NVME + "\"").get("return").get("msix").get("entries").get(0)
                    .get("masked").asBoolean(), "QEMU unmasked the physical entry");

            assertEquals("sent", fire(c, 0));
            assertEquals(JSON.readTree("{\"domid\": " + domid + ", \"vectors\": [{\"vector\": 81, \"count\": 1, \"destination\": 2}], "
                    + "\"total\": 1}"), receipts(c, domid));
            assertEquals(0, receipts(c, 0).get("total").asInt(), "dom0 received nothing");
        }
    }

    /** pci_msix_ops (hw/pci/msix.c) is 4-byte only: QEMU's memory core refuses the rest (a read gives 0, a write is dropped). */
    @Test
    void theGuestsMisalignedOrNarrowTableAccessesAreDroppedByQemu() throws IOException {
        try (Served s = Served.start(); TestServer.Conn c = loopback(s.server())) {
            attach(c);
            long entry0 = GUEST_BAR + TABLE;
            write(c, "guest", entry0 + DATA, 4, 0x51);
            write(c, "guest", entry0 + DATA, 2, 0x99);
            write(c, "guest", entry0 + DATA + 2, 4, 0x7777_7777L);
            assertEquals(0x51, read(c, "guest", entry0 + DATA, 4), "neither narrow nor misaligned write reached QEMU's entry");
            assertEquals(0, read(c, "guest", entry0 + DATA, 2));
            assertEquals(0, read(c, "guest", entry0 + DATA + 2, 4));
            assertEquals(0, s.xenLines("MSI-X table access"), "vPCI's trap is dom0's, not the guest's");
        }
    }

    @Test
    void receiptsNeedAKnownDomain() throws IOException {
        try (Served s = Served.start(); TestServer.Conn c = loopback(s.server())) {
            assertEquals("No domain with domid 7 (domains: d0)", error(c, "x-vdm-query-msi-receipts", "\"domid\": 7"));
            ask(c, "x-vdm-domain-create", "");
            assertEquals("Parameter 'domid' expects a value from 0 to 32751, not -1", error(c, "x-vdm-query-msi-receipts", "\"domid\": -1"));
            assertEquals("Parameter 'domid' expects a value from 0 to 32751, not 4294967297", error(c, "x-vdm-query-msi-receipts", "\"domid\": 4294967297"));
            assertEquals("Parameter 'domid' is missing", error(c, "x-vdm-query-msi-receipts", ""));
            assertEquals(0, receipts(c, 1).get("total").asInt());
        }
    }

    /** x-vdm-scenario-run's interrupt is the CLI's --interrupt: the same paths, and the same refusal for one the device lacks. */
    @Test
    void scenarioRunTakesTheInterruptPathAndRefusesOneTheDeviceLacks() throws IOException {
        try (Served s = Served.start(); TestServer.Conn c = loopback(s.server())) {
            for (String path : new String[] {"msix", "msi"}) {
                JsonNode r = ask(c, "x-vdm-scenario-run", "\"hostaddr\": \"0000:00:02.0\", \"interrupt\": \"" + path + "\"").get("return");
                assertTrue(r.get("passed").asBoolean(), r.toString());
                String summary = null;
                for (JsonNode st : r.get("steps")) if (st.get("step").asText().equals("guest-interrupt")) summary = st.get("summary").asText();
                assertTrue(summary != null && summary.startsWith(path.equals("msix") ? "MSI-X table at guest 0x" : "MSI reached the guest"),
                        path + ": " + summary);
            }
            assertEquals("--interrupt msi: 0000:02:00.0 (nvme) has no MSI capability (id 0x05)",
                    error(c, "x-vdm-scenario-run", "\"hostaddr\": \"" + NVME + "\", \"interrupt\": \"msi\""));
            assertEquals("--interrupt msix: 0001:00:02.0 (e1000) has no MSI-X capability (id 0x11)",
                    error(c, "x-vdm-scenario-run", "\"hostaddr\": \"0001:00:02.0\", \"interrupt\": \"msix\""));
            assertEquals("Parameter 'interrupt' does not accept value 'msi-x'",
                    error(c, "x-vdm-scenario-run", "\"interrupt\": \"msi-x\""));
        }
    }

    /** The default host's ahci at 00:03.0 (MSI and MSI-X) and its accelerator at 00:04.0 (no INTx pin), as the CLI's test runs them. */
    @Test
    void scenarioRunTakesTheInterruptPathOnTheDefaultHostToo() throws IOException {
        try (Served s = Served.start(null); TestServer.Conn c = loopback(s.server())) {
            JsonNode r = ask(c, "x-vdm-scenario-run", "\"hostaddr\": \"0000:00:03.0\", \"interrupt\": \"msi\"").get("return");
            assertTrue(r.get("passed").asBoolean(), r.toString());
            assertTrue(r.get("steps").toString().contains("MSI reached the guest on vector 0x61, destination 0"), r.get("steps").toString());
            assertEquals("--interrupt intx: 0000:00:04.0 (accelerator) has no INTx pin (Interrupt Pin reads 0)",
                    error(c, "x-vdm-scenario-run", "\"hostaddr\": \"0000:00:04.0\", \"interrupt\": \"intx\""));
        }
    }
}
