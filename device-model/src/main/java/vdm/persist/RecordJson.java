package vdm.persist;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import vdm.pci.Sbdf;

/**
 * The MSI and MSI-X parts of a snapshot (issue 13: Xen's msi_descs, bindings and receipts, vPCI's entries, QEMU's
 * guest tables, the devices' tables and pending bits) as JSON, written member by member from the layers' own state
 * records: each record component is a member of its name, arrays stay arrays, enums are their names and an SBDF is
 * its text ("0000:01:00.0"). Reading names the member that does not fit. The layers' records are the format, so a
 * field a layer adds to its record is written without a change here.
 */
final class RecordJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new SimpleModule("vdm-sbdf")
                    .addSerializer(Sbdf.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Sbdf s, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(s.toString());
                        }
                    })
                    .addDeserializer(Sbdf.class, new JsonDeserializer<>() {
                        @Override
                        public Sbdf deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            if (!p.hasToken(com.fasterxml.jackson.core.JsonToken.VALUE_STRING)) throw MismatchedInputException.from(p, Sbdf.class, "not a string");
                            try {
                                return Sbdf.parse(p.getText());
                            } catch (IllegalArgumentException e) {
                                throw MismatchedInputException.from(p, Sbdf.class, "not a PCI address");
                            }
                        }
                    }))
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS) // "yes" is no boolean, "7" no integer
            .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail).setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private RecordJson() {}

    private static String expected(Class<?> t) {
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == int.class || t == long.class || t == Integer.class || t == Long.class || t == short.class || t == byte.class) return "an integer in range";
        if (t.isArray() || java.util.Collection.class.isAssignableFrom(t)) return "an array of the right elements";
        if (t == String.class || t == Sbdf.class) return "a string of the right form";
        if (t.isEnum()) return "one of its names";
        return "an object of the right members";
    }

    static JsonNode toJson(Object state) {
        return MAPPER.valueToTree(state);
    }

    /** The record of type {@code type} that {@code node} describes; a member that does not fit is named in the error. */
    static <T> T fromJson(JsonNode node, Class<T> type, String member) {
        if (node == null || node.isMissingNode()) throw new IllegalArgumentException("member '" + member + "' is missing");
        try {
            return MAPPER.treeToValue(node, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            // Jackson's text names Java types and quotes values: say where, and what kind of problem, in words
            String path = member;
            if (e instanceof JsonMappingException m) {
                for (JsonMappingException.Reference r : m.getPath()) {
                    path += r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]";
                }
            }
            String problem = e instanceof UnrecognizedPropertyException ? "is not a member of this part"
                    : e instanceof MismatchedInputException mi && mi.getMessage().contains("Missing required creator property") ? "is missing"
                    : e instanceof MismatchedInputException mi && mi.getTargetType() != null ? "is not " + expected(mi.getTargetType())
                    : "does not fit its type";
            throw new Strict.BadMember(path, problem);
        }
    }
}
