package vdm.qmp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vdm.qmp.QmpError;

/**
 * device_add's addr as QEMU 7.2 (Debian 1:7.2+dfsg-7+deb12u18) took it over QMP, driver e1000 on the pc machine:
 * each value below was sent and the slot and function read back from query-pci, or the error text kept.
 */
class PciDevfnTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} is {1}.{2}")
    @CsvSource(delimiter = '|', value = {
            "\"5.0\"|5|0", "\"1f.7\"|31|7", "\"a\"|10|0", "\"0x5\"|5|0", "\"5.0x\"|5|0", "\" 5\"|5|0", "\"+6\"|6|0",
            "\"4.0x1\"|4|1", "\"0x\"|0|0",
            "3|3|0", "10|16|0"})
    void acceptedAsQemuDid(String json, int slot, int function) throws Exception {
        assertEquals(slot << 3 | function, PciDevfn.parse(JSON.readTree(json), "xen-pci-passthrough"));
    }

    @ParameterizedTest(name = "{0} refused")
    @CsvSource(delimiter = '|', value = {
            "\"zz\"|zz", "\"20\"|20", "\"5.8\"|5.8", "\"\"|''", "\"7 \"|'7 '", "\"8.1 \"|'8.1 '",
            "40|40", "256|256", "-1|-1", "-2|-2", "true|on"})
    void refusedWithQemusText(String json, String shown) throws Exception {
        JsonNode v = JSON.readTree(json);
        QmpError e = assertThrows(QmpError.class, () -> PciDevfn.parse(v, "e1000"));
        assertEquals("Property 'e1000.addr' doesn't take value '" + shown + "'", e.desc());
    }
}
