package vdm.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One unit of client input as json-streamer.c hands it to the monitor (json_message_process_token ->
 * handle_qmp_command): a complete JSON value, or the text of the GenericError for input that was not one (a lexical
 * or parse error, or a size or depth limit). Exactly one of the two is set.
 */
record QmpFrame(JsonNode json, String parseError) {
    static QmpFrame message(JsonNode json) {
        return new QmpFrame(json, null);
    }

    static QmpFrame error(String desc) {
        return new QmpFrame(null, desc);
    }
}
