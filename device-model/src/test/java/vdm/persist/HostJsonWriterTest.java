package vdm.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.host.HostDescriptionException;
import vdm.pci.catalog.DeviceCatalog;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.engine.Engine;

/** The document the writer makes: member names, their order and hex forms are the format's, byte for byte. */
class HostJsonWriterTest {
    /** Written by the writer before it moved to the schema records; the document must not change. */
    private static final String RICH = """
            {
              "format" : "vdm-host",
              "version" : 1,
              "rootBridges" : [ {
                "segment" : 0,
                "bus" : 0
              }, {
                "segment" : 1,
                "bus" : 0
              } ],
              "ioApics" : [ {
                "id" : 0,
                "address" : "0xfec00000",
                "gsiBase" : 0,
                "pins" : 24
              } ],
              "overrides" : [ {
                "isaIrq" : 0,
                "gsi" : 2,
                "trigger" : "conforms",
                "polarity" : "conforms"
              }, {
                "isaIrq" : 9,
                "gsi" : 9,
                "trigger" : "edge",
                "polarity" : "active-high"
              }, {
                "isaIrq" : 10,
                "gsi" : 10,
                "trigger" : "level",
                "polarity" : "active-low"
              } ],
              "bridges" : [ {
                "at" : "0000:00:1e.0",
                "layout" : {
                  "name" : "plain-bridge",
                  "header" : 1,
                  "vendor" : "0x8086",
                  "deviceId" : "0x244e",
                  "classCode" : "0x060400",
                  "interruptPin" : "none"
                },
                "secondaryBus" : 2,
                "subordinateBus" : 3,
                "io" : {
                  "base" : "0x1000",
                  "limit" : "0x1fff"
                },
                "memory" : {
                  "base" : "0xfe000000",
                  "limit" : "0xfe0fffff"
                },
                "prefetchable" : {
                  "base" : "0xd0000000",
                  "limit" : "0xd00fffff"
                }
              } ],
              "functions" : [ {
                "at" : "0000:00:05.0",
                "layout" : {
                  "name" : "rich",
                  "header" : 0,
                  "vendor" : "0x1af4",
                  "deviceId" : "0x1041",
                  "classCode" : "0x020000",
                  "revision" : 3,
                  "subsystemVendor" : "0x1af4",
                  "subsystemId" : "0x0001",
                  "interruptPin" : "B",
                  "bars" : [ {
                    "index" : 0,
                    "kind" : "io",
                    "size" : "0x20"
                  }, {
                    "index" : 1,
                    "kind" : "mem32",
                    "size" : "0x1000",
                    "prefetchable" : true
                  }, {
                    "index" : 2,
                    "kind" : "mem64",
                    "size" : "0x100000",
                    "prefetchable" : true
                  } ],
                  "rom" : "0x40000"
                }
              }, {
                "at" : "0001:00:03.0",
                "device" : "e1000"
              } ],
              "prt" : [ {
                "bus" : 0,
                "device" : 5,
                "pin" : "B",
                "gsi" : 17
              }, {
                "bus" : 0,
                "device" : 30,
                "pin" : "A",
                "gsi" : 18
              }, {
                "segment" : 1,
                "bus" : 0,
                "device" : 3,
                "pin" : "A",
                "link" : "LNKC"
              } ],
              "links" : [ {
                "name" : "LNKC",
                "possible" : [ 5, 10, 11 ],
                "current" : 10,
                "trigger" : "edge",
                "polarity" : "active-high"
              } ]
            }
            """;

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message should mention '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void everyOptionalMemberIsWrittenInTheFormatsOrderWithAddressesAndIdsInHex() {
        assertEquals(RICH, HostJsonWriter.toJson(RichHost.description()));
    }

    @Test
    void writingAJavaOnlyLayoutIsRefusedNamingTheDevice() {
        HostDescription d = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device("00:05.0", vdm.pci.layout.Layout.type0("custom").ids(0x1234, 1).build()).describe();
        assertMentions(assertThrows(HostDescriptionException.class, () -> HostJsonWriter.toJson(d)), "device 0000:00:05.0", "custom");
    }

    @Test
    void anImportedDumpIsWrittenWithItsBytesInlineAndReadsBackEqual() {
        ConfigSpace nic = Engine.REFERENCE.create(DeviceCatalog.layout("e1000"));
        byte[] config = new byte[256];
        for (int off = 0; off < config.length; off += 4) {
            int w = nic.read(off, 4);
            for (int k = 0; k < 4; k++) config[off + k] = (byte) (w >>> (8 * k));
        }
        HostDescription d = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .importedDevice("00:03.0", "nic", config, Map.of(0, 0x20000L, 1, 64L), 0).prt(0, 3, vdm.host.IntxPin.A, 16).describe();
        String json = HostJsonWriter.toJson(d);
        assertTrue(json.contains("\"config\" : [ \"8680" + "0e10"), json);    // e1000: vendor 8086, device 100e, little-endian
        assertTrue(json.contains("\"0\" : \"0x20000\""), json);
        assertEquals(d, HostJsonReader.parse(json));
    }

    @Test
    void anInlineConfigWithAFileOrOddHexIsRefusedNamingThePath() {
        String head = "{\"version\":1,\"ioApics\":[{\"id\":0,\"address\":\"0xfec00000\",\"gsiBase\":0,\"pins\":24}],"
                + "\"functions\":[{\"at\":\"00:03.0\",\"import\":{";
        assertMentions(assertThrows(HostDescriptionException.class, () -> HostJsonReader.parse(head
                + "\"file\":\"x\",\"config\":[\"00\"]}}]}")), "functions[0].import", "'file', 'format' and 'function' cannot go with it");
        assertMentions(assertThrows(HostDescriptionException.class, () -> HostJsonReader.parse(head
                + "\"config\":[\"0g\"]}}]}")), "functions[0].import.config[0]", "hex digit pairs");
        assertMentions(assertThrows(HostDescriptionException.class, () -> HostJsonReader.parse(head
                + "\"config\":[\"0000\"]}}]}")), "functions[0].import.config", "2 bytes; a configuration space has 256 or 4096");
    }

    @Test
    void writingAQemuCompatibleCatalogDeviceIsRefusedNamingTheDevice() {
        HostDescription d = Host.builder().ioApic(0, 0xfec0_0000L, 0, 24)
                .device("00:05.0", new vdm.host.FunctionSource.Catalog("e1000e", vdm.pci.Mode.QEMU_COMPAT))
                .prt(0, 5, vdm.host.IntxPin.A, 16).describe();
        assertMentions(assertThrows(HostDescriptionException.class, () -> HostJsonWriter.toJson(d)), "device 0000:00:05.0",
                "'e1000e' in QEMU_COMPAT mode has no JSON form");
    }
}
