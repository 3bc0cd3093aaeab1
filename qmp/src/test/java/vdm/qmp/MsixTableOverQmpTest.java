package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vdm.qmp.MmioAndMsiOverQmpTest.ask;
import static vdm.qmp.MmioAndMsiOverQmpTest.configRead;
import static vdm.qmp.MmioAndMsiOverQmpTest.configWrite;
import static vdm.qmp.MmioAndMsiOverQmpTest.error;
import static vdm.qmp.MmioAndMsiOverQmpTest.loopback;
import static vdm.qmp.MmioAndMsiOverQmpTest.start;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * An external tool programs and reads an MSI-X table over QMP, on WideHost's nvme at 02:00.0 (MSI-X with 65 entries,
 * table at BAR0 + 0x2000, PBA at BAR0 + 0x3000; entries of 16 bytes: address low, high, data, vector control whose
 * bit 0 masks, PCI 3.0 6.8.2), and makes the device fire. Values are the spec's, not read back from the model.
 */
class MsixTableOverQmpTest {
    private static final String NVME = MmioAndMsiOverQmpTest.NVME;
    private static final int MSIX_CONTROL = 0x42, COMMAND = 0x04;

    /** BAR0's address as query-pci shows it for 02:00.0 (behind the root port at 00:1c.0). */
    private static long bar0(TestServer.Conn c) throws IOException {
        for (JsonNode d : ask(c, "query-pci", "").get("return").get(0).get("devices")) {
            if (d.get("slot").asInt() != 0x1c) continue;
            JsonNode nvme = d.get("pci_bridge").get("devices").get(0);
            for (JsonNode r : nvme.get("regions")) if (r.get("bar").asInt() == 0) return r.get("address").asLong();
        }
        throw new AssertionError("no nvme BAR0 in query-pci");
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

    private static String fire(TestServer.Conn c, int vector) throws IOException {
        JsonNode r = ask(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + NVME + "\", \"vector\": " + vector).get("return");
        assertEquals("MSI-X", r.get("capability").asText(), r.toString());
        return r.get("outcome").asText();
    }

    private static JsonNode entry(TestServer.Conn c, int n) throws IOException {
        return ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + NVME + "\"").get("return").get("msix").get("entries").get(n);
    }

    @Test
    void theHardwareViewProgramsTheTableAndTheDeviceLatchesAMaskedVectorInThePba() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            configWrite(c, NVME, COMMAND, 2, configRead(c, NVME, COMMAND, 2) | 0x6); // memory decode, bus master
            long bar0 = bar0(c);
            assertTrue(bar0 > 0, "BAR0 decodes at " + bar0);
            long entry3 = bar0 + 0x2000 + 3 * 16, pba = bar0 + 0x3000;
            assertEquals(1, read(c, "hardware", entry3 + 12, 4), "an entry starts masked (PCI 3.0 6.8.2.9)");
            write(c, "hardware", entry3, 8, 0xfee0_1000L);
            write(c, "hardware", entry3 + 8, 4, 0x4023);
            assertEquals(0xfee0_1000L, read(c, "hardware", entry3, 8));
            assertEquals(0xfee0_1000L, read(c, "hardware", entry3, 4));
            assertEquals(0x4023, read(c, "hardware", entry3 + 8, 4));
            JsonNode e = entry(c, 3);
            assertEquals(0xfee0_1000L, e.get("address").asLong(), e.toString());
            assertEquals(0x4023, e.get("data").asInt());
            assertTrue(e.get("masked").asBoolean());

            assertEquals("disabled", fire(c, 3), "MSI-X is not enabled yet");
            assertEquals(0, read(c, "hardware", pba, 8), "a disabled function latches nothing");
            configWrite(c, NVME, MSIX_CONTROL, 2, 0x8000);
            assertEquals("pending", fire(c, 3), "entry 3 is masked");
            assertEquals(1L << 3, read(c, "hardware", pba, 8));
            assertTrue(entry(c, 3).get("pending").asBoolean());
            write(c, "hardware", entry3 + 12, 4, 0); // unmask: the pending message goes out
            assertEquals(0, read(c, "hardware", pba, 8));
            assertFalse(entry(c, 3).get("pending").asBoolean());
            assertEquals("sent", fire(c, 3), "enabled, unmasked, bus master on");
            assertEquals(0, read(c, "hardware", pba, 8));
            configWrite(c, NVME, MSIX_CONTROL, 2, 0xc000); // Function Mask
            assertEquals("pending", fire(c, 3));
            JsonNode q = ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + NVME + "\"").get("return").get("msix");
            assertTrue(q.get("enabled").asBoolean() && q.get("function-mask").asBoolean(), q.toString());
            assertEquals(65, q.get("entries").size());
            assertEquals(0x2000, q.get("table").get("offset").asInt());
            assertEquals(0x3000, q.get("pba").get("offset").asInt());
        }
    }

    @Test
    void theHardwareViewRefusesAnAddressNoBarDecodesAndLeavesTheDeviceAsItWas() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            configWrite(c, NVME, COMMAND, 2, configRead(c, NVME, COMMAND, 2) | 0x2);
            long bar0 = bar0(c);
            assertEquals("No BAR decodes host address 0x1000 (size 4): the bus would read all ones and drop a write; nothing was accessed",
                    error(c, "x-vdm-mmio-read", "\"view\": \"hardware\", \"address\": 4096, \"size\": 4"));
            // -4096 is the uint64 0xfffffffffffff000 (qobject_input_type_uint64), above every BAR.
            assertEquals("No BAR decodes host address 0xfffffffffffff000 (size 8): the bus would read all ones and drop a write; nothing was accessed",
                    error(c, "x-vdm-mmio-write", "\"view\": \"hardware\", \"address\": -4096, \"size\": 8, \"value\": 0"));
            long entry0 = bar0 + 0x2000;
            write(c, "hardware", entry0 + 8, 4, 0x55);
            configWrite(c, NVME, COMMAND, 2, configRead(c, NVME, COMMAND, 2) & ~0x2); // memory decode off
            assertTrue(error(c, "x-vdm-mmio-write", "\"view\": \"hardware\", \"address\": " + (entry0 + 8) + ", \"size\": 4, \"value\": 119")
                    .startsWith(String.format("No BAR decodes host address 0x%x (size 4)", entry0 + 8)));
            assertEquals(0x55, entry(c, 0).get("data").asInt(), "the refused write did not reach the table");
        }
    }

    @Test
    void anEntryPastTheTableIsRefusedAndNothingIsLatched() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            configWrite(c, NVME, COMMAND, 2, configRead(c, NVME, COMMAND, 2) | 0x6);
            configWrite(c, NVME, MSIX_CONTROL, 2, 0x8000);
            assertTrue(error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + NVME + "\", \"vector\": 65").startsWith("0000:02:00.0: MSI-X entry 65: "));
            long pba = bar0(c) + 0x3000;
            assertEquals(0, read(c, "hardware", pba, 8));
            assertEquals(0, read(c, "hardware", pba + 8, 8), "entries 64.. have their bits in the PBA's second qword");
            assertEquals("pending", fire(c, 64), "entry 64 starts masked");
            assertEquals(1, read(c, "hardware", pba + 8, 8));
        }
    }

    private static JsonNode guestConfigWrite(TestServer.Conn c, int offset, int size, long value) throws IOException {
        return ask(c, "x-vdm-config-write", "\"hostaddr\": \"" + NVME + "\", \"offset\": " + offset + ", \"size\": " + size
                + ", \"value\": " + value + ", \"view\": \"guest\"");
    }

    private static JsonNode dom0Command(TestServer.Conn c, int value) throws IOException {
        return ask(c, "x-vdm-config-write", "\"hostaddr\": \"" + NVME + "\", \"offset\": 4, \"size\": 2, \"value\": " + value
                + ", \"view\": \"dom0\"");
    }

    /**
     * dom0 (PVH, identity p2m) reaches the BAR's registers while its vPCI header maps the BAR (memory decoding on,
     * as it is after boot); with decoding turned off through dom0's config writes nothing claims the address and Xen
     * answers all ones.
     */
    @Test
    void dom0ReachesTheBarsRegistersThroughItsP2mWhileDecodingIsOn() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            long bar0 = bar0(c);
            long register = bar0 + 0x100; // an NVMe register, outside the MSI-X table and PBA pages
            assertTrue(bar0 > 0 && (configRead(c, NVME, COMMAND, 2) & 0x2) != 0, "memory decoding is on after boot");
            assertTrue(dom0Command(c, 0).has("return"));
            assertEquals(0xffff_ffffL, read(c, "dom0", register, 4), "vPCI unmapped the BAR from dom0's p2m when decoding went off");
            assertTrue(dom0Command(c, 0x6).has("return"));
            write(c, "dom0", register, 4, 0x1234_5678L);
            assertEquals(0x1234_5678L, read(c, "hardware", register, 4), "dom0's write reached the device");
            write(c, "hardware", register + 8, 8, 0x8765_4321_0fed_cba9L);
            assertEquals(0x8765_4321_0fed_cba9L, read(c, "dom0", register + 8, 8));
        }
    }

    /** A guest's BAR, programmed on QEMU's copy, is mapped by xen_pt into the guest's p2m: a guest access reaches the device. */
    @Test
    void aGuestReachesItsDevicesBarThroughItsP2m() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            assertTrue(ask(c, "x-vdm-assignable-add", "\"hostaddr\": \"" + NVME + "\"").has("return"));
            int domid = ask(c, "x-vdm-domain-create", "").get("return").get("domid").asInt();
            JsonNode add = ask(c, "device_add", "\"driver\": \"xen-pci-passthrough\", \"id\": \"nvme0\", \"hostaddr\": \"" + NVME
                    + "\", \"domain\": " + domid);
            assertTrue(add.has("return"), add.toString());
            long guestBar = 0xe000_0000L;
            assertTrue(guestConfigWrite(c, 0x10, 4, guestBar | 0x4).has("return")); // 64-bit memory BAR0, low dword
            assertTrue(guestConfigWrite(c, 0x14, 4, 0).has("return"));
            long register = guestBar + 0x100;
            assertEquals(0xffff_ffffL, read(c, "guest", register, 4), "not mapped while the guest's memory decode is off");
            assertTrue(guestConfigWrite(c, 0x04, 2, 0x6).has("return"));
            write(c, "hardware", bar0(c) + 0x100, 4, 0xcafe_f00dL);
            assertEquals(0xcafe_f00dL, read(c, "guest", register, 4), "the guest's read reached the device");
            JsonNode named = ask(c, "x-vdm-mmio-read", "\"view\": \"guest\", \"address\": " + register + ", \"size\": 4, \"domid\": " + domid);
            assertEquals(0xcafe_f00dL, named.get("return").get("value").asLong(), named.toString());
        }
    }
}
