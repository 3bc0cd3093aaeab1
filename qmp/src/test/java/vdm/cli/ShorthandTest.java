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
}
