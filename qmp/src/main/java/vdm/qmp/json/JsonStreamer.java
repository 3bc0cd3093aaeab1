package vdm.qmp.json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Splits a byte stream into JSON messages the way QEMU's QMP monitor does (qobject/json-lexer.c and
 * json-streamer.c), so that clients see the same errors and the same recovery:
 * <ul>
 * <li>messages need no separator: one ends when its braces and brackets balance (a bare scalar ends at once);</li>
 * <li>a lexical error (a control character other than tab, CR and LF; a byte 0xFE/0xFF; a malformed number...)
 *     reports {@code JSON parse error, stray '...'}, drops the message in progress, and the lexer skips input up to
 *     the next structural character ({@code , : [ ] { }}) or control character: this is how a client resets the parser
 *     (docs/interop/qmp-spec, "Forcing the JSON parser into known-good state");</li>
 * <li>limits: the bytes of one message's tokens ({@link #maxMessageBytes}) and the nesting depth
 *     ({@link #maxDepth}). QEMU (1024 deep, 64 MiB) reports the error and then parses the rest of the oversized
 *     message as new input, which yields a cascade of further errors; here the rest of that message is skipped, so
 *     the client gets exactly one error and the connection goes on.</li>
 * </ul>
 * One instance per connection; not thread-safe.
 */
public final class JsonStreamer {
    /** Receives each complete message, or the text of a GenericError for input that is not one. */
    public interface Sink {
        void message(JsonNode value);

        void error(String desc);
    }

    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_DEPTH = 64;
    private static final int MAX_STRAY_BYTES = 4096;

    // Lexer states (json-lexer.c names in comments).
    private static final int START = 0, WHITESPACE = 1, DQ_STRING = 2, DQ_ESCAPE = 3, SQ_STRING = 4, SQ_ESCAPE = 5,
            ZERO = 6, NONZERO = 7, NEG = 8, MANTISSA = 9, MANTISSA_DIGITS = 10, EXP_E = 11, EXP_SIGN = 12,
            EXP_DIGITS = 13, KEYWORD = 14, RECOVERY = 15;

    private final int maxMessageBytes;
    private final int maxDepth;
    private final Sink sink;

    private int state = START;
    private byte[] token = new byte[64];
    private int tokenLength;
    private boolean tokenOverflow;

    // The message in progress: its tokens' bytes back to back, and per token its type and end offset.
    private byte[] text = new byte[256];
    private int textLength;
    private TokenType[] types = new TokenType[32];
    private int[] ends = new int[32];
    private int tokenCount;
    private int braces, brackets;
    private boolean discarding;

    public JsonStreamer(Sink sink) {
        this(sink, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_DEPTH);
    }

    public JsonStreamer(Sink sink, int maxMessageBytes, int maxDepth) {
        if (maxMessageBytes < 16 || maxDepth < 1) {
            throw new IllegalArgumentException("limits too small: " + maxMessageBytes + " bytes, depth " + maxDepth);
        }
        this.sink = sink;
        this.maxMessageBytes = maxMessageBytes;
        this.maxDepth = maxDepth;
    }

    public int maxMessageBytes() { return maxMessageBytes; }

    public int maxDepth() { return maxDepth; }

    /** True when no message is in progress (nothing buffered): used to close a half-closed connection cleanly. */
    public boolean idle() {
        return tokenCount == 0 && tokenLength == 0 && !discarding && (state == START || state == WHITESPACE);
    }

    public void feed(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) feed(bytes[i]);
    }

    /** Lexes one byte (json_lexer_feed_char): a byte that ends a token by lookahead is lexed again from START. */
    public void feed(byte b) {
        int c = b & 0xFF;
        while (true) {
            switch (state) {
                case START -> {
                    switch (c) {
                        case '"' -> { append(c); state = DQ_STRING; }
                        case '\'' -> { append(c); state = SQ_STRING; }
                        case '0' -> { append(c); state = ZERO; }
                        case '-' -> { append(c); state = NEG; }
                        case '{' -> single(c, TokenType.LCURLY);
                        case '}' -> single(c, TokenType.RCURLY);
                        case '[' -> single(c, TokenType.LSQUARE);
                        case ']' -> single(c, TokenType.RSQUARE);
                        case ',' -> single(c, TokenType.COMMA);
                        case ':' -> single(c, TokenType.COLON);
                        case ' ', '\t', '\r', '\n' -> { append(c); state = WHITESPACE; }
                        default -> {
                            if (c >= '1' && c <= '9') { append(c); state = NONZERO; }
                            else if (c >= 'a' && c <= 'z') { append(c); state = KEYWORD; }
                            else error(c);
                        }
                    }
                    return;
                }
                case WHITESPACE -> {
                    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') { append(c); return; }
                    if (terminal(c, null)) continue;
                    return;
                }
                case DQ_STRING, SQ_STRING -> {
                    if (c < 0x20 || c > 0xFD) { error(c); return; }
                    append(c);
                    if (c == '\\') state = state == DQ_STRING ? DQ_ESCAPE : SQ_ESCAPE;
                    else if (c == (state == DQ_STRING ? '"' : '\'')) emit(TokenType.STRING);
                    return;
                }
                case DQ_ESCAPE, SQ_ESCAPE -> {
                    // The lexer accepts any character after a backslash; the parser judges the escape.
                    if (c < 0x20 || c > 0xFD) { error(c); return; }
                    append(c);
                    state = state == DQ_ESCAPE ? DQ_STRING : SQ_STRING;
                    return;
                }
                case ZERO -> {
                    // json-lexer.c IN_ZERO has no exponent: "0e5" is the integer 0, then the keyword "e" (QEMU 7.2).
                    if (c >= '0' && c <= '9') { error(c); return; }
                    if (c == '.') { append(c); state = MANTISSA; return; }
                    if (terminal(c, TokenType.INTEGER)) continue;
                    return;
                }
                case NONZERO -> {
                    if (c >= '0' && c <= '9') { append(c); return; }
                    if (c == '.') { append(c); state = MANTISSA; return; }
                    if (c == 'e' || c == 'E') { append(c); state = EXP_E; return; }
                    if (terminal(c, TokenType.INTEGER)) continue;
                    return;
                }
                case NEG -> {
                    if (c == '0') { append(c); state = ZERO; }
                    else if (c >= '1' && c <= '9') { append(c); state = NONZERO; }
                    else error(c);
                    return;
                }
                case MANTISSA -> {
                    if (c >= '0' && c <= '9') { append(c); state = MANTISSA_DIGITS; } else error(c);
                    return;
                }
                case MANTISSA_DIGITS -> {
                    if (c >= '0' && c <= '9') { append(c); return; }
                    if (c == 'e' || c == 'E') { append(c); state = EXP_E; return; }
                    if (terminal(c, TokenType.FLOAT)) continue;
                    return;
                }
                case EXP_E -> {
                    if (c == '+' || c == '-') { append(c); state = EXP_SIGN; }
                    else if (c >= '0' && c <= '9') { append(c); state = EXP_DIGITS; }
                    else error(c);
                    return;
                }
                case EXP_SIGN -> {
                    if (c >= '0' && c <= '9') { append(c); state = EXP_DIGITS; } else error(c);
                    return;
                }
                case EXP_DIGITS -> {
                    if (c >= '0' && c <= '9') { append(c); return; }
                    if (terminal(c, TokenType.FLOAT)) continue;
                    return;
                }
                case KEYWORD -> {
                    if (c >= 'a' && c <= 'z') { append(c); return; }
                    if (terminal(c, TokenType.KEYWORD)) continue;
                    return;
                }
                case RECOVERY -> {
                    // json-lexer.c IN_RECOVERY: resume at any structural character (',' and ':' too: QEMU 7.2 answers
                    // '@,"x"' with three errors), a control character other than tab, or 0xFE/0xFF.
                    boolean resume = (c < 0x20 && c != '\t') || c >= 0xFE || c == '[' || c == ']' || c == '{' || c == '}'
                            || c == ',' || c == ':';
                    if (!resume) return;
                    state = START;
                    continue;
                }
                default -> throw new IllegalStateException("lexer state " + state);
            }
        }
    }

    /**
     * A token that ends by lookahead (json-lexer.c TERMINAL): any byte that cannot continue it ends it and is lexed
     * again from START, where a byte >= 0x80 is then a lexical error of its own. Always true: lex the byte again.
     */
    private boolean terminal(int c, TokenType type) {
        if (type == null) {
            tokenLength = 0;
            tokenOverflow = false;
            state = START;
        } else {
            emit(type);
        }
        return true;
    }

    private void single(int c, TokenType type) {
        append(c);
        emit(type);
    }

    private void append(int c) {
        if (tokenLength == token.length) {
            if (tokenLength >= maxMessageBytes) { tokenOverflow = true; return; }
            token = java.util.Arrays.copyOf(token, Math.min(maxMessageBytes, tokenLength * 2));
        }
        token[tokenLength++] = (byte) c;
    }

    private void error(int c) {
        append(c);
        state = RECOVERY;
        // QEMU quotes the token as a C string ("stray '%s'", json-streamer.c), so it ends at a NUL byte: a NUL
        // itself is "stray ''". A long token is cut here so that an error reply stays small.
        int length = 0;
        while (length < tokenLength && token[length] != 0) length++;
        String stray = length <= MAX_STRAY_BYTES ? ModifiedUtf8.lenient(token, 0, length)
                : ModifiedUtf8.lenient(token, 0, MAX_STRAY_BYTES) + "...";
        tokenLength = 0;
        tokenOverflow = false;
        resetMessage();
        sink.error("JSON parse error, stray '" + stray + "'");
    }

    private void emit(TokenType type) {
        state = START;
        int length = tokenLength;
        boolean overflow = tokenOverflow;
        tokenLength = 0;
        tokenOverflow = false;
        switch (type) {
            case LCURLY -> braces++;
            case RCURLY -> braces--;
            case LSQUARE -> brackets++;
            case RSQUARE -> brackets--;
            default -> { }
        }
        boolean open = (braces > 0 || brackets > 0) && braces >= 0 && brackets >= 0;
        if (discarding) {
            if (!open) resetMessage();
            return;
        }
        // json_message_process_token's security limits, checked before the token is queued.
        String limit = null;
        if (overflow || textLength + length + 1 > maxMessageBytes) {
            limit = "JSON token size limit exceeded";
        } else if (braces + brackets > maxDepth) {
            limit = "JSON nesting depth limit exceeded";
        }
        if (limit != null) {
            clearTokens();
            discarding = open;
            if (!open) resetMessage();
            sink.error(limit);
            return;
        }
        push(type, length);
        if (open) return;
        // Balanced (or unbalanced closing): parse what we have, as QEMU does, then start afresh.
        JsonParser.Result r = JsonParser.parse(text, types, ends, tokenCount);
        resetMessage();
        if (r.error() != null) sink.error(r.error());
        else sink.message(r.value());
    }

    private void push(TokenType type, int length) {
        if (tokenCount == types.length) {
            types = java.util.Arrays.copyOf(types, tokenCount * 2);
            ends = java.util.Arrays.copyOf(ends, tokenCount * 2);
        }
        if (textLength + length > text.length) {
            text = java.util.Arrays.copyOf(text, Math.max(textLength + length, text.length * 2));
        }
        System.arraycopy(token, 0, text, textLength, length);
        textLength += length;
        types[tokenCount] = type;
        ends[tokenCount] = textLength;
        tokenCount++;
    }

    private void clearTokens() {
        tokenCount = 0;
        textLength = 0;
        // Give back memory a large message took.
        if (text.length > 64 * 1024) text = new byte[256];
        if (types.length > 4096) { types = new TokenType[32]; ends = new int[32]; }
        if (token.length > 64 * 1024) token = new byte[64];
    }

    private void resetMessage() {
        clearTokens();
        braces = 0;
        brackets = 0;
        discarding = false;
    }
}
