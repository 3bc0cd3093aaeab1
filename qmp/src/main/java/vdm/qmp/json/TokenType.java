package vdm.qmp.json;

/** The token kinds of QEMU's JSON lexer (qobject/json-parser-int.h), less interpolation, which QMP does not use. */
enum TokenType {
    LCURLY, RCURLY, LSQUARE, RSQUARE, COLON, COMMA, INTEGER, FLOAT, KEYWORD, STRING, ERROR
}
