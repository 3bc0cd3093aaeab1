package vdm.persist;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
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
                            return Sbdf.parse(p.getValueAsString());
                        }
                    }))
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private RecordJson() {}

    static JsonNode toJson(Object state) {
        return MAPPER.valueToTree(state);
    }

    /** The record of type {@code type} that {@code node} describes; a member that does not fit is named in the error. */
    static <T> T fromJson(JsonNode node, Class<T> type, String member) {
        if (node == null || node.isMissingNode()) throw new IllegalArgumentException("member '" + member + "' is missing");
        try {
            return MAPPER.treeToValue(node, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("member '" + member + "': " + e.getOriginalMessage());
        }
    }
}
