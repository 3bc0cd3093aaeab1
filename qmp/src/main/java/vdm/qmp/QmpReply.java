package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The answer to one request (qmp_dispatch's response): {@code {"return": value}} or {@code {"error": {"class",
 * "desc"}}}, with the request's {@code id} when it had one. {@code command} names the command for logs (null for a
 * request that named none); {@code afterReply} runs once the reply has been written (null for nothing).
 */
record QmpReply(String command, JsonNode id, JsonNode value, QmpError error, Runnable afterReply) {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A command's result; null is {@code {}}, as in qmp_dispatch. */
    static QmpReply success(String command, JsonNode id, JsonNode value, Runnable afterReply) {
        return new QmpReply(command, id, value == null ? NODES.objectNode() : value, null, afterReply);
    }

    static QmpReply failure(String command, JsonNode id, QmpError error, Runnable afterReply) {
        return new QmpReply(command, id, null, error, afterReply);
    }

    ObjectNode toJson() {
        ObjectNode rsp = NODES.objectNode();
        if (error == null) {
            rsp.set("return", value);
        } else {
            rsp.putObject("error").put("class", error.errorClass().name()).put("desc", error.desc());
        }
        if (id != null) rsp.set("id", id);
        return rsp;
    }
}
