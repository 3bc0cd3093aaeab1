package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShorthandTest {
    @Test
    void aBareCommandHasNoArguments() {
        assertEquals("{\"execute\":\"query-status\"}", Shorthand.toJson("query-status"));
    }

    @Test
    void valuesThatReadAsJsonAreJsonAndOthersAreStrings() {
        assertEquals("{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"xen-pci-passthrough\",\"id\":\"nic0\","
                        + "\"n\":3,\"on\":true,\"label\":\"two words\",\"props\":{\"k\":[1,null]}}}",
                Shorthand.toJson("device_add driver=xen-pci-passthrough id=nic0 n=3 on=true label=\"two words\" props={\"k\": [1, null]}"));
    }

    @Test
    void rawJsonPassesThrough() {
        assertEquals("{\"execute\":\"quit\"}", Shorthand.toJson("{\"execute\":\"quit\"}"));
    }

    @Test
    void badShorthandSaysWhy() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shorthand.toJson("device_del nic0"))
                .getMessage().contains("'nic0' is not key=value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shorthand.toJson("x a={\"b\":"))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shorthand.toJson("x a=1 a=2"))
                .getMessage().contains("given twice"));
    }

    @Test
    void hexNumbersAreNumbersUpTo64BitsAndAWiderOneIsRefused() {
        assertEquals("{\"execute\":\"x-vdm-config-read\",\"arguments\":{\"offset\":16,\"size\":4}}",
                Shorthand.toJson("x-vdm-config-read offset=0x10 size=4"));
        // a uint64 address above Long.MAX_VALUE goes out as the unsigned number it is, as QEMU's uint64 takes it
        assertEquals("{\"execute\":\"x\",\"arguments\":{\"addr\":18446744073709551615,\"b\":255}}",
                Shorthand.toJson("x addr=0xffffffffffffffff b=0XFF"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shorthand.toJson("x addr=0x10000000000000000"))
                .getMessage().contains("'0x10000000000000000' is wider than 64 bits"));
        assertEquals("{\"execute\":\"x\",\"arguments\":{\"id\":\"0x10\",\"name\":\"0xg\"}}", Shorthand.toJson("x id=\"0x10\" name=0xg"));
    }
}
