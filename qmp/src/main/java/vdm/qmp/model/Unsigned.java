package vdm.qmp.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;

/** 64-bit register values as QMP prints a uint64: unsigned, so 2^63 and above are not negative. */
final class Unsigned {
    private Unsigned() {}

    static ObjectNode put(ObjectNode o, String name, long v) {
        return v >= 0 ? o.put(name, v) : o.put(name, new BigInteger(Long.toUnsignedString(v)));
    }

    /** {@code {"value": v}}. */
    static ObjectNode value(long v) {
        return put(PassthroughCommands.JSON.objectNode(), "value", v);
    }
}
