package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Nested arguments are refused with the qobject-input-visitor's full names. The types below are QEMU 7.2's
 * input-send-event arguments (qapi/ui.json: events: [InputEvent], a union on 'type' whose btn variant wraps
 * InputBtnEvent {button: InputButton, down: bool} in 'data'; the key and move variants are simplified, their KeyValue
 * and InputAxis are not exercised), and every expected text is what the real
 * qemu-system-x86_64 7.2 answered to the same arguments.
 */
class ObjectTypeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ArgType INPUT_BUTTON = ArgType.oneOf("InputButton", "left", "middle", "right", "wheel-up",
            "wheel-down", "side", "extra", "wheel-left", "wheel-right");
    private static final ObjectType BTN = ObjectType.of("InputBtnEvent", Arg.member("button", INPUT_BUTTON),
            Arg.member("down", ArgType.BOOLEAN));
    private static final ObjectType KEY = ObjectType.of("InputKeyEvent", Arg.member("key", ArgType.ANY),
            Arg.member("down", ArgType.BOOLEAN));
    private static final ObjectType MOVE = ObjectType.of("InputMoveEvent", Arg.member("axis", ArgType.STRING),
            Arg.member("value", ArgType.INTEGER));
    private static final UnionType INPUT_EVENT = inputEvent();
    private static final ArgumentSchema INPUT_SEND_EVENT = ArgumentSchema.of(Arg.optional("device", ArgType.STRING, ""),
            Arg.optional("head", ArgType.INTEGER, ""), Arg.required("events", ArgType.listOf(INPUT_EVENT), ""));

    private static UnionType inputEvent() {
        Map<String, ObjectType> v = new LinkedHashMap<>();
        v.put("key", ObjectType.of("InputKeyEventWrapper", Arg.member("data", KEY)));
        v.put("btn", ObjectType.of("InputBtnEventWrapper", Arg.member("data", BTN)));
        v.put("rel", ObjectType.of("InputMoveEventWrapper", Arg.member("data", MOVE)));
        v.put("abs", ObjectType.of("InputMoveEventWrapper", Arg.member("data", MOVE)));
        return new UnionType("InputEvent", List.of(Arg.member("type", ArgType.oneOf("InputEventKind", "key", "btn", "rel", "abs"))),
                "type", v);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"events\":[{\"type\":\"btn\",\"data\":{}}]}                                            | Parameter 'events[0].data.button' is missing",
            "{\"events\":[{\"type\":\"btn\",\"data\":{\"down\":1}}]}                                   | Parameter 'events[0].data.button' is missing",
            "{\"events\":[{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"left\",\"zz\":1}}]}    | Parameter 'events[0].data.zz' is unexpected",
            "{\"events\":[{\"type\":\"btn\",\"data\":5}]}                                             | Invalid parameter type for 'events[0].data', expected: object",
            "{\"events\":[{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"left\"}},{\"type\":\"btn\",\"data\":{\"down\":true}}]} | Parameter 'events[1].data.button' is missing",
            "{\"events\":[{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"bogus\"}}]}           | Parameter 'button' does not accept value 'bogus'",
            "{\"events\":[{\"type\":\"btn\",\"zz\":3,\"data\":{\"down\":true,\"button\":\"left\"}}]}    | Parameter 'events[0].zz' is unexpected",
    })
    void nestedArgumentsAreRefusedWithQemusFullNames(String arguments, String qemuSays) throws Exception {
        ObjectNode given = (ObjectNode) JSON.readTree(arguments);
        QmpError e = assertThrows(QmpError.class, () -> INPUT_SEND_EVENT.validate(given));
        assertEquals(qemuSays, e.getMessage());
    }

    @Test
    void aWellFormedNestedArgumentPasses() throws Exception {
        ObjectNode given = (ObjectNode) JSON.readTree("{\"events\":[{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"left\"}},"
                + "{\"type\":\"rel\",\"data\":{\"axis\":\"x\",\"value\":-3}}]}");
        assertEquals(given, INPUT_SEND_EVENT.validate(given).json());
    }

    @Test
    void aRecursiveTypeIsDeclaredThenDefinedOnce() {
        ObjectType node = ObjectType.declare("Node");
        node.define(Arg.member("name", ArgType.STRING), Arg.optionalMember("children", ArgType.listOf(node)));
        assertThrows(IllegalStateException.class, () -> node.define());
        assertThrows(IllegalStateException.class, () -> ObjectType.declare("Never").members());
        QmpError e = assertThrows(QmpError.class, () -> node.check(JSON.readTree("{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{}]}]}"), "tree", "tree"));
        assertEquals("Parameter 'tree.children[0].children[0].name' is missing", e.getMessage());
    }

    @Test
    void aUnionsTagMustBeARequiredEnumWithOneVariantPerValue() {
        ArgType kind = ArgType.oneOf("K", "a", "b");
        ObjectType a = ObjectType.of("A");
        assertThrows(IllegalArgumentException.class, () -> new UnionType("U", List.of(Arg.member("k", kind)), "k", Map.of("a", a)));
        assertThrows(IllegalArgumentException.class, () -> new UnionType("U", List.of(Arg.optionalMember("k", kind)), "k",
                Map.of("a", a, "b", a)));
        assertThrows(IllegalArgumentException.class, () -> new UnionType("U", List.of(Arg.member("k", kind)), "t", Map.of()));
    }
}
